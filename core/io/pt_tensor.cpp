#include "pt_tensor.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace tapegrad::io {
namespace {

static_assert(std::endian::native == std::endian::little, "torch storages are read as they lie in memory");

// Every torch storage class and the dtype it is read as: a new dtype takes over its class here
// (a bfloat16 dtype would read BFloat16Storage as itself, not convert it to float32).
static_assert(kDtypeCount == 3, "pt_tensor.cpp: map the new dtype's torch storage class to it");
constexpr TorchStorageType kTypes[] = {
    {"FloatStorage", 4, kFloat32}, {"DoubleStorage", 8, kFloat64}, {"LongStorage", 8, kInt64},
    {"HalfStorage", 2, kFloat32},  {"BFloat16Storage", 2, kFloat32}, {"IntStorage", 4, kInt64},
    {"ShortStorage", 2, kInt64},   {"CharStorage", 1, kInt64},      {"ByteStorage", 1, kInt64},
    {"BoolStorage", 1, kInt64},
};

template <class T> T load(const std::uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = std::uint32_t{h} >> 15, exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
  if (exponent == 0) return (sign ? -1.0f : 1.0f) * std::ldexp(static_cast<float>(mantissa), -24);  // zero, subnormal
  const std::uint32_t bits = sign << 31 | (exponent == 31 ? 0xffu : exponent + 112) << 23 | mantissa << 13;
  return std::bit_cast<float>(bits);
}

// The function reading one element of a storage of class `type` as the tapegrad type T.
template <class T> using Loader = T (*)(const std::uint8_t*);
template <class T> Loader<T> loader(const std::string& type) {
  if (type == "FloatStorage") return [](const std::uint8_t* p) { return static_cast<T>(load<float>(p)); };
  if (type == "DoubleStorage") return [](const std::uint8_t* p) { return static_cast<T>(load<double>(p)); };
  if (type == "LongStorage") return [](const std::uint8_t* p) { return static_cast<T>(load<std::int64_t>(p)); };
  if (type == "HalfStorage") return [](const std::uint8_t* p) { return static_cast<T>(half_to_float(load<std::uint16_t>(p))); };
  if (type == "BFloat16Storage")
    return [](const std::uint8_t* p) { return static_cast<T>(std::bit_cast<float>(std::uint32_t{load<std::uint16_t>(p)} << 16)); };
  if (type == "IntStorage") return [](const std::uint8_t* p) { return static_cast<T>(load<std::int32_t>(p)); };
  if (type == "ShortStorage") return [](const std::uint8_t* p) { return static_cast<T>(load<std::int16_t>(p)); };
  if (type == "CharStorage") return [](const std::uint8_t* p) { return static_cast<T>(load<std::int8_t>(p)); };
  if (type == "BoolStorage") return [](const std::uint8_t* p) { return static_cast<T>(*p != 0); };
  return [](const std::uint8_t* p) { return static_cast<T>(*p); };  // ByteStorage
}

// Gathers the strided elements into `out`, in row-major order, converting each.
template <class T>
void gather(const PtStorage& s, std::size_t element_size, std::int64_t offset, const Shape& size, const Shape& stride,
            T* out, std::int64_t numel) {
  if (find_storage_type(s.type)->dtype == dtype_of<T> && element_size == sizeof(T)) {
    bool contiguous = true;  // the common case: one copy
    std::int64_t expected = 1;
    for (std::size_t k = size.size(); k-- > 0;) {
      if (size[k] != 1 && stride[k] != expected) contiguous = false;
      expected *= size[k];
    }
    if (contiguous) {
      if (numel > 0)  // an empty storage's data() may be null, which memcpy must not see
        std::memcpy(out, s.bytes.data() + offset * sizeof(T), static_cast<std::size_t>(numel) * sizeof(T));
      return;
    }
  }
  const Loader<T> read = loader<T>(s.type);
  Shape index(size.size(), 0);
  std::int64_t position = offset;
  for (std::int64_t i = 0; i < numel; ++i) {
    out[i] = read(s.bytes.data() + static_cast<std::size_t>(position) * element_size);
    for (std::size_t k = size.size(); k-- > 0;) {  // odometer: the last dimension moves fastest
      if (++index[k] < size[k]) {
        position += stride[k];
        break;
      }
      position -= (size[k] - 1) * stride[k];
      index[k] = 0;
    }
  }
}

}  // namespace

const TorchStorageType* find_storage_type(const std::string& class_name) {
  for (const TorchStorageType& t : kTypes)
    if (class_name == t.name) return &t;
  return nullptr;
}

const char* storage_class(Dtype dtype) {
  switch (dtype) {
    case Dtype::kFloat32: return "FloatStorage";
    case Dtype::kFloat64: return "DoubleStorage";
    case Dtype::kInt64: return "LongStorage";
  }
  detail::throw_invalid_dtype(dtype);
}

Tensor make_tensor_from_storage(const std::shared_ptr<const PtStorage>& storage, std::int64_t offset, const Shape& size,
                                const Shape& stride, std::uint64_t& budget) {
  const TorchStorageType* type = find_storage_type(storage->type);
  if (!type) throw std::invalid_argument("storage class '" + storage->type + "' is not one tapegrad reads");
  if (size.size() != stride.size())
    throw std::invalid_argument("size " + shape_str(size) + " and stride " + shape_str(stride) + " differ in length");
  if (offset < 0) throw std::invalid_argument("negative storage offset " + std::to_string(offset));
  const std::int64_t storage_numel = static_cast<std::int64_t>(storage->bytes.size() / type->element_size);
  // The element count (of the nonzero sizes too, which Tensor::empty multiplies) and the furthest
  // element reached, without overflow.
  std::int64_t numel = 1, nonzero = 1, last = offset;
  for (std::size_t k = 0; k < size.size(); ++k) {
    if (size[k] < 0 || stride[k] < 0)
      throw std::invalid_argument("size " + shape_str(size) + " or stride " + shape_str(stride) + " is negative");
    if (size[k] > 0 && __builtin_mul_overflow(nonzero, size[k], &nonzero))
      throw std::invalid_argument("size " + shape_str(size) + " has more than 2^63 elements");
    numel *= size[k];  // at most nonzero: no overflow
  }
  if (numel > 0) {
    for (std::size_t k = 0; k < size.size(); ++k) {
      std::int64_t reach;
      if (__builtin_mul_overflow(size[k] - 1, stride[k], &reach) || __builtin_add_overflow(last, reach, &last))
        last = std::numeric_limits<std::int64_t>::max();
    }
    if (last >= storage_numel)
      throw std::invalid_argument("a tensor of size " + shape_str(size) + ", stride " + shape_str(stride) +
                                  " and offset " + std::to_string(offset) + " reaches element " + std::to_string(last) +
                                  " of a storage of " + std::to_string(storage_numel) + " elements");
  } else if (offset > storage_numel) {
    throw std::invalid_argument("storage offset " + std::to_string(offset) + " is past the storage's " +
                                std::to_string(storage_numel) + " elements");
  }
  if (numel > storage_numel)
    throw std::invalid_argument("a tensor of size " + shape_str(size) + " has more elements than its storage's " +
                                std::to_string(storage_numel) + " (overlapping strides are not read)");
  const std::uint64_t bytes = static_cast<std::uint64_t>(numel) * element_size(type->dtype);
  if (bytes > budget)
    throw std::invalid_argument("copying a tensor of " + std::to_string(bytes) + " bytes would exceed the " +
                                std::to_string(budget) + " left of the copy budget (one storage referenced over and over?)");
  budget -= bytes;
  Tensor t = Tensor::empty(size, type->dtype);
  dispatch(type->dtype, [&](auto zero) {
    using T = decltype(zero);
    gather(*storage, type->element_size, offset, size, stride, static_cast<T*>(t.raw_data()), numel);
  });
  return t;
}

}  // namespace tapegrad::io
