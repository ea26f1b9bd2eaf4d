// Internal to core/ops: what the fused losses share (reductions, dtype and broadcast checks, and the
// template behind the element-wise losses: BCE, BCE with logits, MSE). nn's composed losses use the
// checks too.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../autograd.hpp"
#include "../ops.hpp"
#include "../tensor.hpp"
#include "../reduction.hpp"

namespace tapegrad::detail {

// PyTorch's name of a dtype in its messages ("Float", "Double", "Long").
const char* torch_type_name(Dtype dtype);

// Throws std::invalid_argument unless the input is floating-point and `other` (named `what`: "target",
// "weight") has its dtype: check_same_dtype's message, naming both.
void check_loss_dtype(const char* op, const char* what, const Tensor& other, const Tensor& input);

// Reduces per-element losses: kNone reshapes them to `none_shape`, kSum adds them, kMean divides
// the sum by `denominator` (0/0 gives NaN, as PyTorch's mean over nothing).
Tensor reduce_losses(const Tensor& losses, Reduction reduction, double denominator, const Shape& none_shape);

// `t` (named `what`) broadcast to `shape` as a contiguous constant (detached), or undefined when t
// is. It must broadcast to exactly `shape`: a weight that would enlarge the loss is rejected.
Tensor broadcast_to_shape(const char* op, const char* what, const Tensor& t, const Shape& shape);

// w and pw for the recorded formulas: the broadcast weight, or ones when undefined.
inline Tensor or_ones(const Tensor& w, const Tensor& like) { return w.defined() ? w : ones_like(like); }

// An element-wise loss l_i = loss_fn(x_i, y_i, w_i, pw_i) over input and target of one shape, one fused
// forward pass recorded as one op `id`, whose backward is grad_ops(x, y, w, pw) -> {dl/dx, dl/dy}: the
// derivatives written once, in tapegrad ops on whole tensors (so differentiable again; w and pw undefined
// mean 1). w and pw are already broadcast to the input's shape (or undefined). kMean divides by numel.
template <class LossFn, class GradOps>
Tensor pointwise_loss(autograd::Op id, const Tensor& input0, const Tensor& target0, const Tensor& weight,
                      const Tensor& pos_weight, Reduction reduction, LossFn loss_fn, GradOps grad_ops) {
  const char* op = autograd::op_name(id);
  // The loop reads raw memory: row-major operands (recorded copies when they are views).
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
  if (!autograd::needs_grad({input, target})) return out;
  return autograd::record(
      id, autograd::LossAttributes{reduction}, {input, target}, out,
      [sx = autograd::save(input), sy = autograd::save(target), weight, pos_weight, reduction,
       need_x = input.requires_grad(), need_y = target.requires_grad(), grad_ops](const Tensor& g) {
        const Tensor x = sx.get();
        // Each loss's share of g: g itself (kNone, of x's shape) or g (0-d) spread by broadcasting.
        const Tensor s = reduction == Reduction::kMean ? div(g, static_cast<double>(x.numel())) : g;
        const auto [gx, gy] = grad_ops(x, sy.get(), weight, pos_weight);
        return autograd::Grads{need_x ? mul(s, gx) : Tensor(), need_y ? mul(s, gy) : Tensor()};
      });
}

}  // namespace tapegrad::detail
