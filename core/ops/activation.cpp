// Activations: forward and backward side by side. Each backward has a fused first-order kernel and,
// under create_graph (g then requires grad), the same formula in recorded ops.
#include <cmath>

#include "common.hpp"

namespace tapegrad {

using detail::binary_map;
using detail::unary_map;

Tensor relu(const Tensor& x) {
  // `v < 0 ? 0 : v` keeps NaN (PyTorch's relu propagates it).
  Tensor y = unary_map("relu", x, [](auto v) { return v < 0 ? decltype(v){0} : v; });
  return record(Op::relu, {x}, y, [sy = save(y)](const Tensor& g) {
    // Gradient 0 where the output is <= 0 (so exactly 0 at the kink); NaN outputs let it through.
    if (autograd::needs_grad({g}))  // create_graph: g times a constant mask, differentiable in g
      return Grads{mul(g, unary_map("relu_backward", sy.get(), [](auto yv) { return yv <= 0 ? 0 : 1; }))};
    return Grads{binary_map("relu_backward", g, sy.get(), [](auto gv, auto yv) { return yv <= 0 ? decltype(gv){0} : gv; })};
  });
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = unary_map("sigmoid", x, [](auto v) {
    using T = decltype(v);
    if (v >= 0) return T{1} / (T{1} + std::exp(-v));
    const T e = std::exp(v);  // never overflows for v < 0
    return e / (T{1} + e);
  });
  return record(Op::sigmoid, {x}, y, [sy = save(y)](const Tensor& g) {
    if (autograd::needs_grad({g})) {  // create_graph: the same formula in recorded ops
      const Tensor y = sy;
      return Grads{mul(g, mul(y, rsub(1.0, y)))};
    }
    return Grads{binary_map("sigmoid_backward", g, sy.get(), [](auto gv, auto yv) { return gv * yv * (1 - yv); })};
  });
}

Tensor tanh(const Tensor& x) {
  Tensor y = unary_map("tanh", x, [](auto v) { return std::tanh(v); });
  return record(Op::tanh, {x}, y, [sy = save(y)](const Tensor& g) {
    if (autograd::needs_grad({g})) {  // create_graph: the same formula in recorded ops
      const Tensor y = sy;
      return Grads{mul(g, rsub(1.0, mul(y, y)))};
    }
    return Grads{binary_map("tanh_backward", g, sy.get(), [](auto gv, auto yv) { return gv * (1 - yv * yv); })};
  });
}

}  // namespace tapegrad
