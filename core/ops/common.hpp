// What every op file shares: the tape's vocabulary and the one element-wise mechanism.
// Internal to core/ops (not installed as public API beyond what ops.hpp declares).
#pragma once

#include "../autograd.hpp"
#include "../ops.hpp"
#include "strided.hpp"

namespace tapegrad {

using autograd::Grads;
using autograd::Op;
using autograd::record;
using autograd::save;
using autograd::SavedTensor;

// std::invalid_argument "<op>: operation on an undefined tensor: <why>" unless t is defined (core/checks.cpp).
void check_defined(const char* op, const Tensor& t);

namespace detail {

// The operands of a binary element-wise op or comparison converted to their result_type (PyTorch's
// type promotion, core/promotion.cpp); `floating` lifts an int64 result to float32 (true division).
// The conversion is to_dtype, which is differentiable, so the op records the converted operands and
// each input's gradient comes back in its own dtype.
struct Promoted {
  Tensor a, b;  // b stays undefined when the second operand is a Scalar (scalars never become tensors)
  Dtype dtype;
};
inline Dtype computation_dtype(Dtype result, bool floating) {
  return floating && !is_floating_point(result) ? kFloat32 : result;
}
inline Promoted promote(const char* op, const Tensor& a, const Tensor& b, bool floating = false) {
  check_defined(op, a);
  check_defined(op, b);
  // The usual case, both operands of one floating dtype, skips the rules (this runs for every op).
  if (a.dtype() == b.dtype() && is_floating_point(a.dtype())) return {a, b, a.dtype()};
  const Dtype d = computation_dtype(result_type(a, b), floating);
  return {to_dtype(a, d), to_dtype(b, d), d};
}
inline Promoted promote(const char* op, const Tensor& a, const Scalar& b, bool floating = false) {
  check_defined(op, a);
  if (is_floating_point(a.dtype())) return {a, Tensor(), a.dtype()};  // a floating tensor keeps its dtype
  const Dtype d = computation_dtype(result_type(a, b), floating);
  return {to_dtype(a, d), Tensor(), d};
}

// out[i] = f(x[i]), out row-major; x is read through its strides. `Floating` restricts the op to
// float32/float64 (naming `op` in the error).
template <bool Floating = true, class F>
Tensor unary_map(const char* op, const Tensor& x, F f) {
  check_defined(op, x);
  Tensor out = empty(x.shape(), x.dtype());
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* po = out.data<T>();
    if (x.is_contiguous()) {
      for (std::int64_t i = 0, n = x.numel(); i < n; ++i) po[i] = static_cast<T>(f(px[i]));
    } else {
      for_each_offset<2>(x.shape(), {x.strides(), contiguous_strides(x.shape())},
                         [&](const auto& o) { po[o[1]] = static_cast<T>(f(px[o[0]])); });
    }
  };
  if constexpr (Floating) dispatch_floating(x.dtype(), op, run);
  else dispatch(x.dtype(), run);
  return out;
}

// out = f(a, b) with NumPy broadcasting, out row-major; same-shape contiguous and scalar-b inputs take
// a flat loop, the others are read through their strides (a broadcast or expanded operand is never
// materialised). a and b have one dtype (promote first when they may not).
template <bool Floating = true, class F>
Tensor binary_map(const char* op, const Tensor& a, const Tensor& b, F f) {
  check_same_dtype(op, a, b);
  const Shape shape = a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape());
  Tensor out = empty(shape, a.dtype());
  auto run = [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data_ptr<T>();
    const T* pb = b.data_ptr<T>();
    T* po = out.data<T>();
    const bool a_flat = a.shape() == shape && a.is_contiguous();
    if (a_flat && b.shape() == shape && b.is_contiguous()) {
      for (std::int64_t i = 0, n = out.numel(); i < n; ++i) po[i] = static_cast<T>(f(pa[i], pb[i]));
    } else if (a_flat && b.numel() == 1) {
      const T s = pb[0];
      for (std::int64_t i = 0, n = out.numel(); i < n; ++i) po[i] = static_cast<T>(f(pa[i], s));
    } else {
      for_each_offset<3>(shape, {broadcast_strides(a, shape), broadcast_strides(b, shape), contiguous_strides(shape)},
                         [&](const auto& o) { po[o[2]] = static_cast<T>(f(pa[o[0]], pb[o[1]])); });
    }
  };
  if constexpr (Floating) dispatch_floating(a.dtype(), op, run);
  else dispatch(a.dtype(), run);
  return out;
}

}  // namespace detail
}  // namespace tapegrad
