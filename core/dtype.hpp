// Element types a Tensor can hold, and the C++ types they map to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

namespace tapegrad {

enum class Dtype { kFloat32, kFloat64, kInt64 };

// libtorch-style short names.
inline constexpr Dtype kFloat32 = Dtype::kFloat32;
inline constexpr Dtype kFloat = Dtype::kFloat32;
inline constexpr Dtype kFloat64 = Dtype::kFloat64;
inline constexpr Dtype kDouble = Dtype::kFloat64;
inline constexpr Dtype kInt64 = Dtype::kInt64;
inline constexpr Dtype kLong = Dtype::kInt64;

std::size_t element_size(Dtype dtype);
const char* dtype_name(Dtype dtype);  // "float32", "float64", "int64"
inline bool is_floating_point(Dtype dtype) { return dtype != Dtype::kInt64; }
std::ostream& operator<<(std::ostream& os, Dtype dtype);

// The smaller dtype holding both (torch.promote_types): int64 with a float gives that float;
// float32 with float64 gives float64 (core/promotion.cpp).
Dtype promote_types(Dtype a, Dtype b);
// Whether a result of dtype `from` may be written into a tensor of dtype `to` (torch.can_cast):
// everything but floating into integer.
bool can_cast(Dtype from, Dtype to);
// In-place ops write their result_type into self: std::invalid_argument with PyTorch's text
// "<op>: result type Float can't be cast to the desired output type Long" unless can_cast.
void check_can_cast(const char* op, Dtype result, Dtype self);

template <class T> struct DtypeOf;
template <> struct DtypeOf<float> { static constexpr Dtype value = kFloat32; };
template <> struct DtypeOf<double> { static constexpr Dtype value = kFloat64; };
template <> struct DtypeOf<std::int64_t> { static constexpr Dtype value = kInt64; };
template <class T> inline constexpr Dtype dtype_of = DtypeOf<T>::value;

// Calls f(T{}) with T the C++ type of `dtype`: the single place where a runtime dtype
// becomes a compile-time type.
template <class F> decltype(auto) dispatch(Dtype dtype, F&& f) {
  switch (dtype) {
    case Dtype::kFloat32: return f(float{});
    case Dtype::kFloat64: return f(double{});
    case Dtype::kInt64: break;
  }
  return f(std::int64_t{});
}

// Like dispatch, for operations defined only on floating-point tensors; `op` names the caller
// in the error raised for int64.
void check_floating(Dtype dtype, const char* op);
template <class F> decltype(auto) dispatch_floating(Dtype dtype, const char* op, F&& f) {
  check_floating(dtype, op);
  if (dtype == Dtype::kFloat64) return f(double{});
  return f(float{});
}

}  // namespace tapegrad
