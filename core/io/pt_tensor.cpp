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

// Converts `n` elements of a storage of class `type` into `out` (a plain copy when the types agree).
template <class T> void convert(const TorchStorageType& type, const std::uint8_t* bytes, std::int64_t n, T* out) {
  if (n == 0) return;  // an empty storage's data() is null, which memcpy must not get
  if (type.dtype == dtype_of<T> && type.element_size == sizeof(T)) {
    std::memcpy(out, bytes, static_cast<std::size_t>(n) * sizeof(T));
    return;
  }
  const Loader<T> read = loader<T>(type.name);
  for (std::int64_t i = 0; i < n; ++i) out[i] = read(bytes + static_cast<std::size_t>(i) * type.element_size);
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

Tensor storage_tensor(const TorchStorageType& type, std::span<const std::uint8_t> bytes) {
  if (bytes.size() % type.element_size)
    throw std::invalid_argument(std::string("a ") + type.name + " of " + std::to_string(bytes.size()) +
                                " bytes is not a whole number of " + std::to_string(type.element_size) + "-byte elements");
  const auto n = static_cast<std::int64_t>(bytes.size() / type.element_size);
  Tensor t = Tensor::empty({n}, type.dtype);
  dispatch(type.dtype, [&](auto zero) {
    using T = decltype(zero);
    convert(type, bytes.data(), n, static_cast<T*>(t.raw_data()));
  });
  return t;
}

Tensor make_tensor_from_storage(const Tensor& storage, std::int64_t offset, const Shape& size, const Shape& stride) {
  if (size.size() != stride.size())
    throw std::invalid_argument("size " + shape_str(size) + " and stride " + shape_str(stride) + " differ in length");
  if (offset < 0) throw std::invalid_argument("negative storage offset " + std::to_string(offset));
  const std::int64_t storage_numel = storage.numel();
  // The element count (of the nonzero sizes too, which as_strided multiplies) and the furthest
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
  return storage.as_strided(size, stride, offset);
}

}  // namespace tapegrad::io
