// Matrix products through the single GEMM entry point (kernels/gemm.hpp).
#include <stdexcept>
#include <string>

#include "../kernels/gemm.hpp"
#include "common.hpp"

namespace tapegrad {


namespace {

void check_pair(const char* op, const Tensor& a, const Tensor& b) {
  check_same_dtype(op, a, b);
  check_floating(a.dtype(), op);
}

[[noreturn]] void cannot_multiply(std::int64_t r1, std::int64_t c1, std::int64_t r2, std::int64_t c2) {
  throw std::invalid_argument("mat1 and mat2 shapes cannot be multiplied (" + std::to_string(r1) + "x" +
                              std::to_string(c1) + " and " + std::to_string(r2) + "x" + std::to_string(c2) + ")");
}

// out (m x n) = op(a) op(b) (+ out when accumulate), all row-major and contiguous.
void gemm_into(const Tensor& a, bool ta, const Tensor& b, bool tb, Tensor& out, bool accumulate = false) {
  const std::int64_t m = out.shape()[0], n = out.shape()[1];
  const std::int64_t k = ta ? a.shape()[0] : a.shape()[1];
  dispatch_floating(out.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    kernels::gemm(ta, tb, m, n, k, T{1}, a.data<T>(), a.shape()[1], b.data<T>(), b.shape()[1],
                  accumulate ? T{1} : T{0}, out.data<T>(), n);
  });
}

// The 2-D product, recorded as one tape entry.
Tensor mm(const Tensor& a, const Tensor& b) {
  check_pair("mm", a, b);
  if (a.shape()[1] != b.shape()[0]) cannot_multiply(a.shape()[0], a.shape()[1], b.shape()[0], b.shape()[1]);
  Tensor y = empty({a.shape()[0], b.shape()[1]}, a.dtype());
  gemm_into(a, false, b, false, y);
  if (!autograd::needs_grad({a, b})) return y;
  return record(Op::mm, {a, b}, y, [sa = save(a), sb = save(b), need_a = a.requires_grad(), need_b = b.requires_grad()](const Tensor& g) {
    const Tensor a = sa, b = sb;
    if (autograd::needs_grad({g}))  // create_graph: recorded products, differentiable in g, a and b
      return Grads{need_a ? mm(g, t(b)) : Tensor(), need_b ? mm(t(a), g) : Tensor()};
    Tensor da, db;
    if (need_a) { da = empty(a.shape(), g.dtype()); gemm_into(g, false, b, true, da); }   // g · bᵀ
    if (need_b) { db = empty(b.shape(), g.dtype()); gemm_into(a, true, g, false, db); }   // aᵀ · g
    return Grads{da, db};
  });
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_pair("matmul", a, b);
  if (a.dim() == 0 || b.dim() == 0 || a.dim() > 2 || b.dim() > 2)
    throw std::invalid_argument("matmul: both arguments must be 1-D or 2-D, but got " + shape_str(a.shape()) + " and " +
                                shape_str(b.shape()));
  if (a.dim() == 1 && b.dim() == 1) {
    if (a.numel() != b.numel())
      throw std::invalid_argument("inconsistent tensor size, expected tensor [" + std::to_string(a.numel()) +
                                  "] and src [" + std::to_string(b.numel()) +
                                  "] to have the same number of elements, but got " + std::to_string(a.numel()) +
                                  " and " + std::to_string(b.numel()) + " elements respectively");
    return mm(a.reshape({1, -1}), b.reshape({-1, 1})).reshape({});
  }
  if (a.dim() == 1) {
    if (a.numel() != b.shape()[0]) cannot_multiply(1, a.numel(), b.shape()[0], b.shape()[1]);
    return mm(a.reshape({1, -1}), b).reshape({b.shape()[1]});
  }
  if (b.dim() == 1) {
    if (a.shape()[1] != b.numel()) cannot_multiply(a.shape()[0], a.shape()[1], b.numel(), 1);
    return mm(a, b.reshape({-1, 1})).reshape({a.shape()[0]});
  }
  return mm(a, b);
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_pair("linear", x, weight);
  if (weight.dim() != 2) throw std::invalid_argument("linear: weight must be 2-D, got " + shape_str(weight.shape()));
  if (x.dim() == 0) throw std::invalid_argument("linear: input must have at least 1 dimension, got a 0-d tensor");
  const std::int64_t out_features = weight.shape()[0], in_features = weight.shape()[1];
  std::int64_t rows = 1;  // product of the leading dims (not numel / in_features: in_features may be 0)
  for (std::size_t d = 0; d + 1 < x.shape().size(); ++d) rows *= x.shape()[d];
  if (x.shape().back() != in_features) cannot_multiply(x.dim() == 1 ? 1 : rows, x.shape().back(), in_features, out_features);
  if (bias.defined()) {
    check_pair("linear", x, bias);
    if (bias.shape() != Shape{out_features})
      throw std::invalid_argument("linear: bias of shape " + shape_str(bias.shape()) + " does not match weight " +
                                  shape_str(weight.shape()));
  }
  const Tensor x2 = x.detach().reshape({rows, in_features});
  Tensor y = empty({rows, out_features}, x.dtype());
  if (bias.defined()) {
    dispatch_floating(x.dtype(), "linear", [&](auto tag) {
      using T = decltype(tag);
      T* py = y.data<T>();
      const T* pb = bias.data<T>();
      for (std::int64_t r = 0; r < rows; ++r) std::copy_n(pb, out_features, py + r * out_features);
    });
  }
  gemm_into(x2, false, weight, true, y, bias.defined());  // y (+)= x Wᵀ
  Shape out_shape = x.shape();
  out_shape.back() = out_features;
  y = y.reshape(out_shape);
  if (!autograd::needs_grad({x, weight, bias})) return y;
  return record(Op::linear, {x, weight, bias}, y,
                [sx = save(x), sx2 = save(x2), sw = save(weight), rows, x_shape = x.shape(), need_x = x.requires_grad(),
                 need_w = weight.requires_grad(), need_b = bias.defined() && bias.requires_grad()](const Tensor& g) {
                  const Tensor w = sw;
                  const Tensor g2 = g.reshape({rows, w.shape()[0]});
                  if (autograd::needs_grad({g})) {  // create_graph: recorded products, x still on its graph
                    const Tensor x = sx;
                    return Grads{need_x ? mm(g2, w).reshape(x.shape()) : Tensor(),
                                 need_w ? mm(t(g2), x.reshape({rows, w.shape()[1]})) : Tensor(), need_b ? sum(g2, {0}) : Tensor()};
                  }
                  const Tensor x2 = sx2;
                  Tensor dx, dw, db;
                  if (need_x) { dx = empty({x2.shape()[0], w.shape()[1]}, g.dtype()); gemm_into(g2, false, w, false, dx); dx = dx.reshape(x_shape); }
                  if (need_w) { dw = empty(w.shape(), g.dtype()); gemm_into(g2, true, x2, false, dw); }
                  if (need_b) db = sum(g2, {0});
                  return Grads{dx, dw, db};
                });
}

}  // namespace tapegrad
