// Activations: forward and backward side by side.
#include <cmath>

#include "../autograd.hpp"
#include "../ops.hpp"

namespace tapegrad {

using autograd::record;
using autograd::save;
using Grads = std::vector<Tensor>;

namespace {
// out[i] = f(in[i]) for a floating-point tensor.
template <class F> Tensor map_floating(const char* op, const Tensor& x, F f) {
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    for (std::int64_t i = 0, n = x.numel(); i < n; ++i) py[i] = f(px[i]);
  });
  return y;
}
// out[i] = f(a[i], b[i]) for two same-shape floating-point tensors.
template <class F> Tensor zip_floating(const char* op, const Tensor& a, const Tensor& b, F f) {
  Tensor y = empty(a.shape(), a.dtype());
  dispatch_floating(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = a.data<T>();
    const T* pb = b.data<T>();
    T* py = y.data<T>();
    for (std::int64_t i = 0, n = a.numel(); i < n; ++i) py[i] = f(pa[i], pb[i]);
  });
  return y;
}
}  // namespace

Tensor relu(const Tensor& x) {
  // `v < 0 ? 0 : v` keeps NaN (PyTorch's relu propagates it).
  Tensor y = map_floating("relu", x, [](auto v) { return v < 0 ? decltype(v){0} : v; });
  return record("relu", {x}, y, [sy = save(y)](const Tensor& g) {
    // Gradient 0 where the output is <= 0 (so exactly 0 at the kink); NaN outputs let it through.
    return Grads{zip_floating("relu_backward", g, sy.get(), [](auto gv, auto yv) { return yv <= 0 ? decltype(gv){0} : gv; })};
  });
}

Tensor sigmoid(const Tensor& x) {
  Tensor y = map_floating("sigmoid", x, [](auto v) {
    using T = decltype(v);
    if (v >= 0) return T{1} / (T{1} + std::exp(-v));
    const T e = std::exp(v);  // never overflows for v < 0
    return e / (T{1} + e);
  });
  return record("sigmoid", {x}, y, [sy = save(y)](const Tensor& g) {
    return Grads{zip_floating("sigmoid_backward", g, sy.get(), [](auto gv, auto yv) { return gv * yv * (1 - yv); })};
  });
}

Tensor tanh(const Tensor& x) {
  Tensor y = map_floating("tanh", x, [](auto v) { return std::tanh(v); });
  return record("tanh", {x}, y, [sy = save(y)](const Tensor& g) {
    return Grads{zip_floating("tanh_backward", g, sy.get(), [](auto gv, auto yv) { return gv * (1 - yv * yv); })};
  });
}

}  // namespace tapegrad
