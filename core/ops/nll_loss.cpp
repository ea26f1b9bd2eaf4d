// nll_loss: l = -w[t]·x[t] per target (0 where ignored), on log-probabilities. One tape entry; its
// backward is nll_loss_backward, an op of its own whose derivative is nll_loss again.
#include "class_targets.hpp"
#include "common.hpp"
#include "loss_utils.hpp"

namespace tapegrad {

namespace {

// Calls f(i, c) for every target i that is not ignored, with c its flat offset in the (batch,
// classes, inner) input.
template <class F> void for_each_target(const detail::ClassLayout& layout, const std::int64_t* target,
                                        std::int64_t ignore_index, F f) {
  for (std::int64_t b = 0; b < layout.batch; ++b)
    for (std::int64_t k = 0; k < layout.inner; ++k) {
      const std::int64_t i = b * layout.inner + k;
      if (target[i] != ignore_index) f(i, (b * layout.classes + target[i]) * layout.inner + k);
    }
}

Tensor contiguous_weight(const Tensor& weight) { return weight.defined() ? weight.detach().contiguous() : Tensor(); }

}  // namespace

Tensor nll_loss(const Tensor& input0, const Tensor& target0, const Tensor& weight0, Reduction reduction,
                std::int64_t ignore_index) {
  // The loops read raw memory: row-major operands (a view is copied, recorded).
  const Tensor input = input0.defined() ? input0.contiguous() : input0;
  const Tensor target = target0.defined() ? target0.expect_contiguous() : target0;
  const detail::ClassLayout layout = detail::class_index_layout("nll_loss", input, target);
  const Tensor weight = contiguous_weight(weight0);
  detail::check_class_weight("nll_loss", "", weight, input, layout.classes);
  detail::check_target_bounds(target, layout.classes, ignore_index);
  const double denominator = detail::valid_target_weight(target, weight, ignore_index);
  Tensor losses = zeros({layout.targets()}, input.dtype());
  dispatch_floating(input.dtype(), "nll_loss", [&](auto tag) {
    using T = decltype(tag);
    const T* x = input.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const std::int64_t* t = target.data<std::int64_t>();
    T* l = losses.data<T>();
    for_each_target(layout, t, ignore_index, [&](std::int64_t i, std::int64_t at) { l[i] = -(w ? w[t[i]] : T{1}) * x[at]; });
  });
  const Tensor out = detail::reduce_losses(losses, reduction, denominator, layout.per_target_shape);
  if (!autograd::needs_grad({input})) return out;
  return record(Op::nll_loss, autograd::LossAttributes{reduction, ignore_index}, {input}, out,
                [shape = input.shape(), target = target.detach(), weight, ignore_index, reduction](const Tensor& g) {
                  return Grads{nll_loss_backward(g, target, weight, reduction, ignore_index, shape)};
                });
}

// dx = 0 except dx[t_i] = -w[t_i]·s_i at each target that is not ignored, with s_i the loss's share of
// grad_output: grad_output[i] (kNone), grad_output (kSum) or grad_output / Σ w[t] (kMean). Linear in
// grad_output: its derivative is nll_loss of gg with the same reduction.
Tensor nll_loss_backward(const Tensor& grad_output, const Tensor& target0, const Tensor& weight0, Reduction reduction,
                         std::int64_t ignore_index, const Shape& input_shape) {
  const Tensor target = target0.expect_contiguous();
  const Tensor weight = contiguous_weight(weight0);
  Tensor dx = zeros(input_shape, grad_output.dtype());
  const detail::ClassLayout layout = detail::class_index_layout("nll_loss_backward", dx, target);
  const std::int64_t expected = reduction == Reduction::kNone ? layout.targets() : 1;
  if (grad_output.numel() != expected)
    throw std::invalid_argument("nll_loss_backward: expected grad_output of " + std::to_string(expected) +
                                " value(s) (reduction " + reduction_name(reduction) + "), got size " +
                                shape_str(grad_output.shape()));
  detail::check_target_bounds(target, layout.classes, ignore_index);
  const double denominator = reduction == Reduction::kMean ? detail::valid_target_weight(target, weight, ignore_index) : 1;
  const Tensor gc = grad_output.expect_contiguous();
  dispatch_floating(grad_output.dtype(), "nll_loss_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const T* pg = gc.data<T>();
    // The share of a reduced loss (no value to read for kNone, whose grad_output may be empty).
    const T scale = reduction == Reduction::kNone ? T{0} : static_cast<T>(pg[0] / denominator);
    const std::int64_t* t = target.data<std::int64_t>();
    T* d = dx.data<T>();
    for_each_target(layout, t, ignore_index, [&](std::int64_t i, std::int64_t at) {
      d[at] = -(w ? w[t[i]] : T{1}) * (reduction == Reduction::kNone ? pg[i] : scale);
    });
  });
  if (!autograd::needs_grad({grad_output})) return dx;
  return record(Op::nll_loss_backward, autograd::LossAttributes{reduction, ignore_index}, {grad_output}, dx,
                [target, weight, reduction, ignore_index, shape = grad_output.shape()](const Tensor& gg) {
                  return Grads{nll_loss(gg, target, weight, reduction, ignore_index).reshape(shape)};
                });
}

}  // namespace tapegrad
