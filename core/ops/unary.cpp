// The unary element-wise ops, one family with one convention: a one-line forward functor, and the
// derivative written in tapegrad ops on the one saved value it is cheapest in (the input or the
// output), so every backward here is differentiable again. The three activations whose derivative
// runs on every training step (relu, sigmoid, tanh) have it as a backward op of their own
// (threshold_backward, sigmoid_backward, tanh_backward: one fused pass first-order, their own
// derivative in ops), as PyTorch's at::threshold_backward.
#include <cmath>
#include <numbers>
#include <type_traits>

#include "common.hpp"

namespace tapegrad {

using detail::binary_map;
using detail::unary_map;

namespace {

enum class Saved { kNothing, kInput, kOutput };

// y = f(x), recorded with the backward grad(g, s) where s is x, y or nothing (`saved`). `Floating` restricts
// the op to floating-point inputs (naming it in the error), as unary_map.
template <bool Floating = true, class F, class G>
Tensor unary_op(Op op, const Tensor& x, Saved saved, F f, G grad, autograd::OpAttributes attributes = {}) {
  Tensor y = unary_map<Floating>(autograd::op_name(op), x, f);
  if (!autograd::needs_grad({x})) return y;
  return record(op, std::move(attributes), {x}, y,
                [s = save(saved == Saved::kInput ? x : saved == Saved::kOutput ? y : Tensor()), grad](const Tensor& g) { return Grads{grad(g, s.get())}; });
}

// d = f(g, y) for a backward op on (g, y) whose own backward is `grad(gg, g, y)` -> {dg, dy}.
template <class F, class G>
Tensor backward_op(Op op, const Tensor& g, const Tensor& y, F f, G grad) {
  Tensor d = binary_map(autograd::op_name(op), g, y, f);
  if (!autograd::needs_grad({g, y})) return d;
  return record(op, {g, y}, d, [sg = save(g), sy = save(y), grad](const Tensor& gg) { return grad(gg, sg.get(), sy.get()); });
}

}  // namespace

Tensor neg(const Tensor& x) {
  return unary_op<false>(Op::neg, x, Saved::kNothing, [](auto v) { return -v; },
                         [](const Tensor& g, const Tensor&) { return neg(g); });
}

Tensor exp(const Tensor& x) {
  return unary_op(Op::exp, x, Saved::kOutput, [](auto v) { return std::exp(v); },
                  [](const Tensor& g, const Tensor& y) { return mul(g, y); });
}

Tensor log(const Tensor& x) {
  return unary_op(Op::log, x, Saved::kInput, [](auto v) { return std::log(v); },
                  [](const Tensor& g, const Tensor& x) { return div(g, x); });
}

Tensor log1p(const Tensor& x) {
  return unary_op(Op::log1p, x, Saved::kInput, [](auto v) { return std::log1p(v); },
                  [](const Tensor& g, const Tensor& x) { return div(g, add(x, 1.0)); });
}

Tensor sqrt(const Tensor& x) {
  return unary_op(Op::sqrt, x, Saved::kOutput, [](auto v) { return std::sqrt(v); },
                  [](const Tensor& g, const Tensor& y) { return div(g, mul(y, 2.0)); });
}

// d/dx x^(-1/2) = -y³/2
Tensor rsqrt(const Tensor& x) {
  return unary_op(Op::rsqrt, x, Saved::kOutput, [](auto v) { return 1 / std::sqrt(v); },
                  [](const Tensor& g, const Tensor& y) { return mul(g, mul(mul(y, mul(y, y)), -0.5)); });
}

Tensor abs(const Tensor& x) {
  return unary_op<false>(Op::abs, x, Saved::kInput, [](auto v) { return v < 0 ? -v : v; },
                         [](const Tensor& g, const Tensor& x) {
                           return mul(g, unary_map("abs_backward", x, [](auto v) { return (v > 0) - (v < 0); }));
                         });
}

Tensor sin(const Tensor& x) {
  return unary_op(Op::sin, x, Saved::kInput, [](auto v) { return std::sin(v); },
                  [](const Tensor& g, const Tensor& x) { return mul(g, cos(x)); });
}

Tensor cos(const Tensor& x) {
  return unary_op(Op::cos, x, Saved::kInput, [](auto v) { return std::cos(v); },
                  [](const Tensor& g, const Tensor& x) { return neg(mul(g, sin(x))); });
}

Tensor expm1(const Tensor& x) {
  return unary_op(Op::expm1, x, Saved::kOutput, [](auto v) { return std::expm1(v); },
                  [](const Tensor& g, const Tensor& y) { return mul(g, add(y, 1.0)); });
}

Tensor erf(const Tensor& x) {
  return unary_op(Op::erf, x, Saved::kInput, [](auto v) { return std::erf(v); }, [](const Tensor& g, const Tensor& x) {
    return mul(g, mul(exp(neg(mul(x, x))), 2.0 / std::sqrt(std::numbers::pi)));
  });
}

namespace {
// v ** p. Integers by squaring in unsigned arithmetic, so a result wraps on overflow as PyTorch's int64
// pow does (std::pow went through double: wrong above 2^53, undefined beyond int64's range).
template <class T> T power(T v, const Scalar& p) {
  if constexpr (std::is_integral_v<T>) {
    std::uint64_t result = 1, base = static_cast<std::uint64_t>(v);
    for (auto e = p.to<std::uint64_t>(); e != 0; e >>= 1) {
      if (e & 1) result *= base;
      base *= base;
    }
    return static_cast<T>(result);
  } else {
    return std::pow(v, p.to<T>());
  }
}
}  // namespace

// In result_type(x, exponent): int64 ** 2 stays int64, int64 ** 0.5 is float32.
Tensor pow(const Tensor& x0, const Scalar& exponent) {
  const Tensor x = detail::promote("pow", x0, exponent).a;
  const double p = exponent.to_double();
  if (!x.is_floating_point() && p < 0) throw std::invalid_argument("pow: Integers to negative integer powers are not allowed.");
  return unary_op<false>(
      Op::pow, x, Saved::kInput, [&exponent](auto v) { return power(v, exponent); },
      [p](const Tensor& g, const Tensor& x) {
        if (p == 0) return mul(g, 0.0);  // zeros that stay a function of g under create_graph
        return mul(g, mul(pow(x, p - 1), p));
      },
      autograd::ScalarAttributes{p});
}

Tensor clamp(const Tensor& x, std::optional<double> min, std::optional<double> max) {
  const double lo = min.value_or(-INFINITY), hi = max.value_or(INFINITY);
  return unary_op(
      Op::clamp, x, Saved::kInput,
      [lo, hi](auto v) {
        using T = decltype(v);
        return std::isnan(v) ? v : std::min(std::max(v, static_cast<T>(lo)), static_cast<T>(hi));
      },
      [lo, hi](const Tensor& g, const Tensor& x) {
        return mul(g, unary_map("clamp_backward", x, [lo, hi](auto v) { return v >= lo && v <= hi; }));
      },
      autograd::ClampAttributes{min, max});
}

// ---- activations, with their backward ops ----

// `v < 0 ? 0 : v` keeps NaN (PyTorch's relu propagates it).
Tensor relu(const Tensor& x) {
  return unary_op(Op::relu, x, Saved::kOutput, [](auto v) { return v < 0 ? decltype(v){0} : v; },
                  [](const Tensor& g, const Tensor& y) { return threshold_backward(g, y, 0.0); });
}

// g where y > threshold, else 0 (exactly 0 at relu's kink; NaN outputs let g through). Linear in g
// and piecewise constant in y: its own derivative is itself in gg, none in y.
Tensor threshold_backward(const Tensor& grad_output, const Tensor& self, double threshold) {
  return backward_op(
      Op::threshold_backward, grad_output, self,
      [threshold](auto gv, auto yv) { return yv <= threshold ? decltype(gv){0} : gv; },
      [threshold](const Tensor& gg, const Tensor&, const Tensor& y) {
        return Grads{threshold_backward(gg, y, threshold), Tensor()};
      });
}

Tensor sigmoid(const Tensor& x) {
  return unary_op(
      Op::sigmoid, x, Saved::kOutput,
      [](auto v) {
        using T = decltype(v);
        if (v >= 0) return T{1} / (T{1} + std::exp(-v));
        const T e = std::exp(v);  // never overflows for v < 0
        return e / (T{1} + e);
      },
      [](const Tensor& g, const Tensor& y) { return sigmoid_backward(g, y); });
}

// g·y·(1 - y); d/dg: sigmoid_backward(gg, y); d/dy: gg·g·(1 - 2y).
Tensor sigmoid_backward(const Tensor& grad_output, const Tensor& output) {
  return backward_op(Op::sigmoid_backward, grad_output, output, [](auto gv, auto yv) { return gv * yv * (1 - yv); },
                     [](const Tensor& gg, const Tensor& g, const Tensor& y) {
                       return Grads{sigmoid_backward(gg, y), mul(mul(gg, g), rsub(1.0, mul(y, 2.0)))};
                     });
}

Tensor tanh(const Tensor& x) {
  return unary_op(Op::tanh, x, Saved::kOutput, [](auto v) { return std::tanh(v); },
                  [](const Tensor& g, const Tensor& y) { return tanh_backward(g, y); });
}

// g·(1 - y²); d/dg: tanh_backward(gg, y); d/dy: -2·gg·g·y.
Tensor tanh_backward(const Tensor& grad_output, const Tensor& output) {
  return backward_op(Op::tanh_backward, grad_output, output, [](auto gv, auto yv) { return gv * (1 - yv * yv); },
                     [](const Tensor& gg, const Tensor& g, const Tensor& y) {
                       return Grads{tanh_backward(gg, y), mul(mul(gg, g), mul(y, -2.0))};
                     });
}

}  // namespace tapegrad
