// Element-wise ops: each forward is a one-line functor, its backward written right beside it.
#include <cmath>
#include <stdexcept>
#include <string>

#include "common.hpp"

namespace tapegrad {


Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const std::size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const std::int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw std::invalid_argument("The size of tensor a (" + std::to_string(da) + ") must match the size of tensor b (" +
                                  std::to_string(db) + ") at non-singleton dimension " + std::to_string(i) +
                                  " (shapes " + shape_str(a) + " and " + shape_str(b) + ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

using detail::binary_map;
using detail::unary_map;


}  // namespace

// ---- arithmetic ----
// Binary ops first promote their operands to one dtype (detail::promote), then record the converted
// operands: their to_dtype entries carry each gradient back to its input's own dtype.
Tensor add(const Tensor& x, const Tensor& z) {
  const auto [a, b, dtype] = detail::promote("add", x, z);
  Tensor y = binary_map<false>("add", a, b, [](auto x, auto z) { return x + z; });
  return record(Op::add, {a, b}, y, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(g, sb)};
  });
}

Tensor sub(const Tensor& x, const Tensor& z) {
  const auto [a, b, dtype] = detail::promote("sub", x, z);
  Tensor y = binary_map<false>("sub", a, b, [](auto x, auto z) { return x - z; });
  return record(Op::sub, {a, b}, y, [sa = a.shape(), sb = b.shape()](const Tensor& g) {
    return Grads{sum_to(g, sa), sum_to(neg(g), sb)};
  });
}

Tensor mul(const Tensor& x, const Tensor& z) {
  const auto [a, b, dtype] = detail::promote("mul", x, z);
  Tensor y = binary_map<false>("mul", a, b, [](auto x, auto z) { return x * z; });
  if (!autograd::needs_grad({a, b})) return y;
  return record(Op::mul, {a, b}, y, [sa = save(a), sb = save(b), need_a = a.requires_grad(), need_b = b.requires_grad()](const Tensor& g) {
    const Tensor& a = sa; const Tensor& b = sb;
    return Grads{need_a ? sum_to(mul(g, b), a.shape()) : Tensor(), need_b ? sum_to(mul(g, a), b.shape()) : Tensor()};
  });
}

// True division, as PyTorch 1.13's `/`: int64 operands give float32.
Tensor div(const Tensor& x, const Tensor& z) {
  const auto [a, b, dtype] = detail::promote("div", x, z, /*floating=*/true);
  Tensor y = binary_map("div", a, b, [](auto x, auto z) { return x / z; });
  if (!autograd::needs_grad({a, b})) return y;
  return record(Op::div, {a, b}, y, [sa = save(a), sb = save(b), need_b = b.requires_grad()](const Tensor& g) {
    const Tensor& a = sa; const Tensor& b = sb;
    const Tensor ga = div(g, b);
    return Grads{sum_to(ga, a.shape()), need_b ? sum_to(neg(mul(ga, div(a, b))), b.shape()) : Tensor()};
  });
}

namespace {
// Gradient of maximum/minimum: to the selected side, split evenly on ties (as PyTorch).
Grads select_grads(const Tensor& g, const Tensor& a, const Tensor& b, bool take_max) {
  const Tensor wins_a = take_max ? gt(a, b) : lt(a, b);
  const Tensor ties = mul(eq(a, b), scalar_tensor(0.5, g.dtype()));
  const Tensor share_a = add(wins_a, ties);
  const Tensor share_b = rsub(1.0, share_a);
  return Grads{sum_to(mul(g, share_a), a.shape()), sum_to(mul(g, share_b), b.shape())};
}
}  // namespace

Tensor maximum(const Tensor& x, const Tensor& z) {
  const auto [a, b, dtype] = detail::promote("maximum", x, z);
  Tensor y = binary_map("maximum", a, b, [](auto x, auto z) {
    return std::isnan(x) || std::isnan(z) ? x + z : (x > z ? x : z);
  });
  return record(Op::maximum, {a, b}, y, [sa = save(a), sb = save(b)](const Tensor& g) {
    return select_grads(g, sa, sb, true);
  });
}

Tensor minimum(const Tensor& x, const Tensor& z) {
  const auto [a, b, dtype] = detail::promote("minimum", x, z);
  Tensor y = binary_map("minimum", a, b, [](auto x, auto z) {
    return std::isnan(x) || std::isnan(z) ? x + z : (x < z ? x : z);
  });
  return record(Op::minimum, {a, b}, y, [sa = save(a), sb = save(b)](const Tensor& g) {
    return select_grads(g, sa, sb, false);
  });
}

namespace {
// y = f(x, s) with a scalar s, whose derivative dy/dx is the constant `slope`, computed in
// result_type(x, s) (int64 with 0.5 gives float32; `floating` makes it float32 for int64 with an
// integer too: true division). Scalars never become tensors: no allocation, no broadcasting, and a
// one-line backward.
template <class F>
Tensor scalar_op(Op id, const Tensor& x0, const Scalar& s, double slope, F f, bool floating = false) {
  const Tensor x = detail::promote(autograd::op_name(id), x0, s, floating).a;
  Tensor y = dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T sv = s.to<T>();
    return detail::unary_map<false>(autograd::op_name(id), x, [&](T v) { return f(v, sv); });
  });
  if (!autograd::needs_grad({x})) return y;
  return record(id, autograd::ScalarAttributes{s.to_double()}, {x}, y,
                [slope](const Tensor& g) { return Grads{slope == 1 ? g : mul(g, slope)}; });
}
}  // namespace

Tensor add(const Tensor& a, const Scalar& b) { return scalar_op(Op::add, a, b, 1, [](auto x, auto s) { return x + s; }); }
Tensor sub(const Tensor& a, const Scalar& b) { return scalar_op(Op::sub, a, b, 1, [](auto x, auto s) { return x - s; }); }
Tensor mul(const Tensor& a, const Scalar& b) {
  return scalar_op(Op::mul, a, b, b.to_double(), [](auto x, auto s) { return x * s; });
}
Tensor div(const Tensor& a, const Scalar& b) {
  return scalar_op(Op::div, a, b, 1 / b.to_double(), [](auto x, auto s) { return x / s; }, /*floating=*/true);
}
Tensor rsub(const Scalar& a, const Tensor& b) { return scalar_op(Op::rsub, b, a, -1, [](auto x, auto s) { return s - x; }); }
Tensor rdiv(const Scalar& a, const Tensor& b) {
  return div(scalar_tensor(a, detail::computation_dtype(result_type(b, a), /*floating=*/true)), b);
}

Tensor where(const Tensor& condition, const Tensor& x, const Tensor& z) {
  const auto [a, b, dtype] = detail::promote("where", x, z);
  check_defined("where", condition);
  const Tensor c = condition.dtype() == dtype ? condition : condition.to(dtype);
  const Shape shape = broadcast_shapes(broadcast_shapes(c.shape(), a.shape()), b.shape());
  Tensor y = empty(shape, dtype);
  dispatch(dtype, [&, &a = a, &b = b](auto tag) {  // named: clang 14 cannot capture structured bindings
    using T = decltype(tag);
    const T *pc = c.data_ptr<T>(), *pa = a.data_ptr<T>(), *pb = b.data_ptr<T>();
    T* py = y.data<T>();
    detail::for_each_offset<4>(shape,
                               {detail::broadcast_strides(c, shape), detail::broadcast_strides(a, shape),
                                detail::broadcast_strides(b, shape), contiguous_strides(shape)},
                               [&](const auto& o) { py[o[3]] = pc[o[0]] != 0 ? pa[o[1]] : pb[o[2]]; });
  });
  return record(Op::where, {a, b}, y, [sc = save(c), sa = a.shape(), sb = b.shape()](const Tensor& g) {
    const Tensor zero = zeros({}, g.dtype());
    return Grads{sum_to(where(sc.get(), g, zero), sa), sum_to(where(sc.get(), zero, g), sb)};
  });
}

// ---- in place ----
// self's dtype is the output dtype: the result type of self and other must cast into it
// (check_can_cast: int64 += float is refused, float32 += float64 computes in float64 and rounds).
Tensor& add_(Tensor& self, const Tensor& other, double alpha) {
  check_defined("add_", self);
  check_defined("add_", other);
  const Dtype result = result_type(self, other);
  check_can_cast("add_", result, self.dtype());
  if (!is_floating_point(result) && alpha != std::trunc(alpha))
    throw std::invalid_argument("add_: For integral input tensors, argument alpha must not be a floating point number.");
  if (!is_expandable_to(other.shape(), self.shape()))
    throw std::invalid_argument("add_: cannot broadcast " + shape_str(other.shape()) + " into " +
                                shape_str(self.shape()));
  self.begin_inplace("add_");
  // Computed in the result type, then written into self's dtype (a 0-d float64 into float32 computes
  // in float32). A conversion happens under NoGradGuard: add_ is never recorded.
  const Tensor o = other.dtype() == result ? other : [&] { NoGradGuard no_grad; return to_dtype(other, result); }();
  dispatch(self.dtype(), [&](auto self_tag) {
    dispatch(result, [&](auto result_tag) {
      using T = decltype(self_tag);
      using C = decltype(result_tag);
      T* ps = self.data_ptr<T>();
      const C* po = o.data_ptr<C>();
      const C a = static_cast<C>(alpha);
      auto update = [a](T& s, C v) { s = static_cast<T>(static_cast<C>(s) + a * v); };
      if (self.shape() == o.shape() && self.is_contiguous() && o.is_contiguous()) {
        for (std::int64_t i = 0, n = self.numel(); i < n; ++i) update(ps[i], po[i]);
      } else {
        detail::for_each_offset<2>(self.shape(), {self.strides(), detail::broadcast_strides(o, self.shape())},
                                   [&](const auto& o) { update(ps[o[0]], po[o[1]]); });
      }
    });
  });
  return self;
}

Tensor& mul_(Tensor& self, const Scalar& factor) {
  check_defined("mul_", self);
  check_can_cast("mul_", result_type(self, factor), self.dtype());
  self.begin_inplace("mul_");
  dispatch(self.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = self.data_ptr<T>();
    const T f = factor.to<T>();
    if (self.is_contiguous()) {
      for (std::int64_t i = 0, n = self.numel(); i < n; ++i) p[i] *= f;
    } else {
      detail::for_each_offset<1>(self.shape(), {self.strides()}, [&](const auto& o) { p[o[0]] *= f; });
    }
  });
  return self;
}

// ---- comparisons ----
// Compared in result_type(a, b), which is also the dtype of the 0/1 result.
namespace {
template <class F> Tensor compare(const char* op, const Tensor& x, const Tensor& z, F f) {
  const auto [a, b, dtype] = detail::promote(op, x, z);
  return binary_map<false>(op, a, b, f);
}
template <class F> Tensor compare(const char* op, const Tensor& x, const Scalar& s, F f) {
  const auto p = detail::promote(op, x, s);
  return binary_map<false>(op, p.a, scalar_tensor(s, p.dtype), f);
}
}  // namespace

// Each comparison for a tensor and for a number, from one expression.
#define TAPEGRAD_COMPARISON(name, expr)                                                                   \
  Tensor name(const Tensor& a, const Tensor& b) { return compare(#name, a, b, [](auto x, auto y) { return expr; }); } \
  Tensor name(const Tensor& a, const Scalar& b) { return compare(#name, a, b, [](auto x, auto y) { return expr; }); }
TAPEGRAD_COMPARISON(eq, x == y)
TAPEGRAD_COMPARISON(ne, x != y)
TAPEGRAD_COMPARISON(lt, x < y)
TAPEGRAD_COMPARISON(le, x <= y)
TAPEGRAD_COMPARISON(gt, x > y)
TAPEGRAD_COMPARISON(ge, x >= y)
#undef TAPEGRAD_COMPARISON

Tensor isnan(const Tensor& x) {
  return unary_map<false>("isnan", x, [](auto v) { return v != v; });
}

}  // namespace tapegrad
