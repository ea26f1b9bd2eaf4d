// Internal helpers shared by the losses: reductions, dtype and broadcast checks, and the template
// behind the element-wise losses (BCE, BCE with logits, MSE). Not part of the public API.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../../core/autograd.hpp"
#include "../../core/ops.hpp"
#include "../../core/tensor.hpp"
#include "../reduction.hpp"

namespace tapegrad::nn::detail {

// PyTorch's name of a dtype in its messages ("Float", "Double", "Long").
const char* torch_type_name(Dtype dtype);

// Throws std::invalid_argument unless the input is floating-point and `other` (named `what`: "target",
// "weight") has its dtype: check_same_dtype's message, naming both.
void check_loss_dtype(const char* op, const char* what, const Tensor& other, const Tensor& input);

// Reduces per-element losses: kNone reshapes them to `none_shape`, kSum adds them, kMean divides
// the sum by `denominator` (0/0 gives NaN, as PyTorch's mean over nothing).
Tensor reduce_losses(const Tensor& losses, Reduction reduction, double denominator, const Shape& none_shape);

// The upstream gradient each of `count` per-element losses receives through the reduction:
// g itself (kNone), g (kSum) or g / denominator (kMean). A flat tensor of g's dtype.
Tensor upstream_per_element(const Tensor& g, Reduction reduction, double denominator, std::int64_t count);

// `t` (named `what`) broadcast to `shape` as a contiguous constant (detached), or undefined when t
// is. It must broadcast to exactly `shape`: a weight that would enlarge the loss is rejected.
Tensor broadcast_to_shape(const char* op, const char* what, const Tensor& t, const Shape& shape);

// w and pw for the recorded formulas: the broadcast weight, or ones when undefined.
inline Tensor or_ones(const Tensor& w, const Tensor& like) { return w.defined() ? w : ones_like(like); }

// An element-wise loss l_i = loss_fn(x_i, y_i, w_i, pw_i) over input and target of one shape,
// recorded as one op whose backward uses grad_fn(x, y, w, pw) -> {dl/dx, dl/dy} per element, or under
// create_graph grad_ops, the same derivatives as tapegrad ops on whole tensors (w, pw undefined
// meaning 1). w and pw are already broadcast to the input's shape (or undefined). kMean divides by numel.
template <class LossFn, class GradFn, class GradOps>
Tensor pointwise_loss(autograd::Op id, const Tensor& input0, const Tensor& target0, const Tensor& weight,
                      const Tensor& pos_weight, Reduction reduction, LossFn loss_fn, GradFn grad_fn, GradOps grad_ops) {
  const char* op = autograd::op_name(id);
  // The loops read raw memory: row-major operands (recorded copies when they are views).
  const Tensor input = input0.contiguous(), target = target0.contiguous();
  const std::int64_t count = input.numel();
  Tensor losses = empty(input.shape(), input.dtype());
  dispatch_floating(input.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    const T* x = input.data<T>();
    const T* y = target.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const T* pw = pos_weight.defined() ? pos_weight.data<T>() : nullptr;
    T* l = losses.data<T>();
    for (std::int64_t i = 0; i < count; ++i) l[i] = loss_fn(x[i], y[i], w ? w[i] : T{1}, pw ? pw[i] : T{1});
  });
  const Tensor out = reduce_losses(losses, reduction, static_cast<double>(count), input.shape());
  return autograd::record(
      id, {input, target}, out,
      [op, sx = autograd::save(input), sy = autograd::save(target), weight, pos_weight, reduction,
       need_x = input.requires_grad(), need_y = target.requires_grad(), grad_fn, grad_ops](const Tensor& g) {
        const Tensor x_t = sx.get();
        const std::int64_t n = x_t.numel();
        const Tensor s = upstream_per_element(g, reduction, static_cast<double>(n), n);
        if (autograd::needs_grad({g})) {  // create_graph
          const Tensor s_x = s.reshape(x_t.shape());
          const auto [gx, gy] = grad_ops(x_t, sy.get(), weight, pos_weight);
          return autograd::Grads{need_x ? mul(s_x, gx) : Tensor(), need_y ? mul(s_x, gy) : Tensor()};
        }
        Tensor dx = need_x ? empty(x_t.shape(), x_t.dtype()) : Tensor();
        Tensor dy = need_y ? empty(x_t.shape(), x_t.dtype()) : Tensor();
        dispatch_floating(x_t.dtype(), op, [&](auto tag) {
          using T = decltype(tag);
          const T* x = x_t.data<T>();
          const T* y = sy.get().template data<T>();
          const T* w = weight.defined() ? weight.data<T>() : nullptr;
          const T* pw = pos_weight.defined() ? pos_weight.data<T>() : nullptr;
          const T* ps = s.data<T>();
          T* px = need_x ? dx.data<T>() : nullptr;
          T* py = need_y ? dy.data<T>() : nullptr;
          for (std::int64_t i = 0; i < n; ++i) {
            const auto [gx, gy] = grad_fn(x[i], y[i], w ? w[i] : T{1}, pw ? pw[i] : T{1});
            if (px) px[i] = ps[i] * gx;
            if (py) py[i] = ps[i] * gy;
          }
        });
        return autograd::Grads{dx, dy};
      });
}

}  // namespace tapegrad::nn::detail
