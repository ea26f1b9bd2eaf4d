// Element types a Tensor can hold, and the C++ types they map to.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <ostream>
#include <string>

namespace tapegrad {

// The dtype table: every dtype, once, with its traits. The enum, element_size, dtype_name,
// is_floating_point, torch_scalar_type_name, DtypeOf and both dispatchers are generated from it, so a
// new row reaches all of them. Every other place that maps dtypes is a switch without `default:`
// (-Werror=switch makes a missing case a build error) or stands next to a static_assert on
// kDtypeCount (docs/architecture.md, "Dtypes": what the compiler points at when a row is added).
//
//   X(enumerator, storage type, name, bytes, floating, compute type, PyTorch's ScalarType name)
//
// The storage type is what data<T>() hands out and dispatch passes; the compute type is what
// arithmetic on one element runs in (a 16-bit float would be stored as 2 bytes and computed in float).
#define TAPEGRAD_FORALL_DTYPES(X)                                         \
  X(kFloat32, float, "float32", 4, true, float, "Float")                  \
  X(kFloat64, double, "float64", 8, true, double, "Double")               \
  X(kInt64, std::int64_t, "int64", 8, false, std::int64_t, "Long")

#define TAPEGRAD_DTYPE_ENUMERATOR(e, ...) e,
enum class Dtype { TAPEGRAD_FORALL_DTYPES(TAPEGRAD_DTYPE_ENUMERATOR) };
#undef TAPEGRAD_DTYPE_ENUMERATOR
#define TAPEGRAD_DTYPE_LISTED(e, ...) Dtype::e,
inline constexpr Dtype kAllDtypes[] = {TAPEGRAD_FORALL_DTYPES(TAPEGRAD_DTYPE_LISTED)};
#undef TAPEGRAD_DTYPE_LISTED
inline constexpr std::size_t kDtypeCount = sizeof(kAllDtypes) / sizeof(kAllDtypes[0]);

// libtorch-style short names.
inline constexpr Dtype kFloat32 = Dtype::kFloat32;
inline constexpr Dtype kFloat = Dtype::kFloat32;
inline constexpr Dtype kFloat64 = Dtype::kFloat64;
inline constexpr Dtype kDouble = Dtype::kFloat64;
inline constexpr Dtype kInt64 = Dtype::kInt64;
inline constexpr Dtype kLong = Dtype::kInt64;

// The types of one dtype, from its row (the other traits: dtype_info below).
template <Dtype D> struct DtypeTraits;
#define TAPEGRAD_DTYPE_TRAITS(e, T, name, bytes, floating, C, ...)                                \
  template <> struct DtypeTraits<Dtype::e> {                                                     \
    using storage_type = T;                                                                      \
    using compute_type = C;                                                                      \
    static_assert(sizeof(T) == bytes, "the storage type of " name " is not as wide as its row says"); \
    /* max_pool2d and logsumexp start from numeric_limits<T>::infinity(): an unspecialised one is 0 */ \
    static_assert(std::numeric_limits<T>::is_specialized,                                        \
                  "specialise std::numeric_limits for the storage type of " name);               \
  };
TAPEGRAD_FORALL_DTYPES(TAPEGRAD_DTYPE_TRAITS)
#undef TAPEGRAD_DTYPE_TRAITS

// The dtype of a storage type (data<T>() checks it).
template <class T> struct DtypeOf;
#define TAPEGRAD_DTYPE_OF(e, T, ...) \
  template <> struct DtypeOf<T> { static constexpr Dtype value = Dtype::e; };
TAPEGRAD_FORALL_DTYPES(TAPEGRAD_DTYPE_OF)
#undef TAPEGRAD_DTYPE_OF
template <class T> inline constexpr Dtype dtype_of = DtypeOf<T>::value;
// The type arithmetic on an element of storage type T runs in.
template <class T> using compute_t = typename DtypeTraits<dtype_of<T>>::compute_type;

namespace detail {
// Only a value outside the enum (a cast integer) reaches the end of a switch over every dtype.
[[noreturn]] void throw_invalid_dtype(Dtype dtype);
}  // namespace detail

// The traits a runtime dtype is asked for, from its row.
struct DtypeInfo {
  const char* name;        // "float32"
  const char* torch_name;  // PyTorch's ScalarType name in its messages: "Float"
  std::size_t size;        // bytes per element
  bool floating;
};
constexpr DtypeInfo dtype_info(Dtype dtype) {
#define TAPEGRAD_DTYPE_INFO_CASE(e, T, name, bytes, floating, C, torch_name) \
  case Dtype::e: return {name, torch_name, bytes, floating};
  switch (dtype) { TAPEGRAD_FORALL_DTYPES(TAPEGRAD_DTYPE_INFO_CASE) }
#undef TAPEGRAD_DTYPE_INFO_CASE
  detail::throw_invalid_dtype(dtype);
}
constexpr std::size_t element_size(Dtype dtype) { return dtype_info(dtype).size; }
constexpr const char* dtype_name(Dtype dtype) { return dtype_info(dtype).name; }  // "float32", "float64", "int64"
constexpr const char* torch_scalar_type_name(Dtype dtype) { return dtype_info(dtype).torch_name; }
constexpr bool is_floating_point(Dtype dtype) { return dtype_info(dtype).floating; }

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

// Calls f(T{}) with T the storage type of `dtype`: the single place where a runtime dtype becomes a
// compile-time type. Every row of the table is a case, so f is compiled for every dtype.
template <class F> decltype(auto) dispatch(Dtype dtype, F&& f) {
#define TAPEGRAD_DISPATCH_CASE(e, T, ...) \
  case Dtype::e: return f(T{});
  switch (dtype) { TAPEGRAD_FORALL_DTYPES(TAPEGRAD_DISPATCH_CASE) }
#undef TAPEGRAD_DISPATCH_CASE
  detail::throw_invalid_dtype(dtype);
}

// Like dispatch, for operations defined only on floating-point tensors: f is compiled for the
// floating rows only, and a dtype of the others raises std::invalid_argument naming `op` and it.
[[noreturn]] void throw_not_floating(Dtype dtype, const char* op);
inline void check_floating(Dtype dtype, const char* op) {
  if (!is_floating_point(dtype)) throw_not_floating(dtype, op);
}
template <class F> decltype(auto) dispatch_floating(Dtype dtype, const char* op, F&& f) {
#define TAPEGRAD_DISPATCH_FLOATING_CASE(e, T, name, bytes, floating, ...) \
  case Dtype::e:                                                          \
    if constexpr (floating) return f(T{});                                \
    else throw_not_floating(dtype, op);
  switch (dtype) { TAPEGRAD_FORALL_DTYPES(TAPEGRAD_DISPATCH_FLOATING_CASE) }
#undef TAPEGRAD_DISPATCH_FLOATING_CASE
  detail::throw_invalid_dtype(dtype);
}

}  // namespace tapegrad
