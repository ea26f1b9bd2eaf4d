// Unary math ops added for the toolkit (sin, cos, expm1, rsqrt, erf): one kernel each, and a backward
// written with tapegrad ops (so it is itself differentiable).
#include <cmath>
#include <numbers>

#include "common.hpp"

namespace tapegrad {

using detail::unary_map;

Tensor sin(const Tensor& x) {
  Tensor y = unary_map("sin", x, [](auto v) { return std::sin(v); });
  return record(Op::sin, {x}, y, [sx = save(x)](const Tensor& g) { return Grads{mul(g, cos(sx.get()))}; });
}

Tensor cos(const Tensor& x) {
  Tensor y = unary_map("cos", x, [](auto v) { return std::cos(v); });
  return record(Op::cos, {x}, y, [sx = save(x)](const Tensor& g) { return Grads{neg(mul(g, sin(sx.get())))}; });
}

Tensor expm1(const Tensor& x) {
  Tensor y = unary_map("expm1", x, [](auto v) { return std::expm1(v); });
  return record(Op::expm1, {x}, y, [sy = save(y)](const Tensor& g) { return Grads{mul(g, add(sy.get(), 1.0))}; });
}

Tensor rsqrt(const Tensor& x) {
  Tensor y = unary_map("rsqrt", x, [](auto v) { return 1 / std::sqrt(v); });
  // d/dx x^(-1/2) = -y³/2
  return record(Op::rsqrt, {x}, y, [sy = save(y)](const Tensor& g) {
    const Tensor& y = sy;
    return Grads{mul(g, mul(mul(y, mul(y, y)), -0.5))};
  });
}

Tensor erf(const Tensor& x) {
  Tensor y = unary_map("erf", x, [](auto v) { return std::erf(v); });
  return record(Op::erf, {x}, y, [sx = save(x)](const Tensor& g) {
    const Tensor& x = sx;
    return Grads{mul(g, mul(exp(neg(mul(x, x))), 2.0 / std::sqrt(std::numbers::pi)))};
  });
}

}  // namespace tapegrad
