// cross_entropy with class-index targets (on the fused row kernels: one pass over the logits forward;
// the backward, an op of its own, reuses the saved logsumexp) or class-probability targets (composed:
// log_softmax and a weighted sum, as PyTorch).
#include <numeric>
#include <stdexcept>
#include <string>

#include "../kernels/softmax.hpp"
#include "class_targets.hpp"
#include "common.hpp"
#include "loss_utils.hpp"

namespace tapegrad {

namespace {

using detail::ClassLayout;

// (N, C, d1..dk) -> (N, d1..dk, C): the fused kernel wants each target's logits contiguous. The
// permute is a recorded op, so the gradient finds its way back to the caller's layout.
Tensor classes_last(const Tensor& input) {
  if (input.dim() <= 2) return input;
  std::vector<std::int64_t> dims(static_cast<std::size_t>(input.dim()));
  std::iota(dims.begin() + 1, dims.end() - 1, 2);
  dims.front() = 0;
  dims.back() = 1;
  return permute(input, dims);
}

template <class T> kernels::RowTargets<T> kernel_args(const Tensor& target, const Tensor& weight,
                                                            std::int64_t ignore_index, double label_smoothing) {
  kernels::RowTargets<T> args;
  args.index = target.data<std::int64_t>();
  args.class_weight = weight.defined() ? weight.data<T>() : nullptr;
  args.skip_index = ignore_index;
  args.smoothing = label_smoothing;
  return args;
}

// The smoothed, weighted targets q (n, classes) of each row and their sums S (n, 1), constants:
// q_c = w_c·((1 - ε)·[c = t] + ε/C), zero on an ignored row.
std::pair<Tensor, Tensor> row_targets(const Tensor& target, const Tensor& weight, std::int64_t ignore, double smoothing,
                                      std::int64_t n, std::int64_t classes, Dtype dtype) {
  Tensor q = zeros({n, classes}, dtype);
  Tensor total = zeros({n, 1}, dtype);
  dispatch_floating(dtype, "cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    const std::int64_t* t = target.data<std::int64_t>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    T* pq = q.data<T>();
    for (std::int64_t r = 0; r < n; ++r) {
      if (t[r] == ignore) continue;
      T sum{0};
      for (std::int64_t c = 0; c < classes; ++c) {
        const T qc = (w ? w[c] : T{1}) * (T(1 - smoothing) * T(c == t[r]) + T(smoothing / static_cast<double>(classes)));
        pq[r * classes + c] = qc;
        sum += qc;
      }
      total.data<T>()[r] = sum;
    }
  });
  return {q, total};
}

struct RowLoss {
  Tensor target, weight;
  std::int64_t ignore;
  double smoothing;
  Reduction reduction;
  double denominator;  // of kMean
};

// dl/dx = s·(S·softmax(x) - q) for the rows x (n, classes), with s each row's share of grad_output
// (grad_output[r] for kNone, grad_output or grad_output / denominator when reduced): one fused pass from
// the forward's logsumexp. Its own derivative, in ops: d/dgrad_output = Σ_c gg·(S·p - q) reduced as the
// loss was, and d/dx = softmax_backward_data(gg·s·S, p) with p = softmax(x).
Tensor cross_entropy_backward(const Tensor& grad_output, const Tensor& rows, const Tensor& lse, const RowLoss& loss) {
  const std::int64_t n = rows.shape()[0], classes = rows.shape()[1];
  Tensor dx = empty(rows.shape(), rows.dtype());
  const Tensor gc = grad_output.expect_contiguous();
  dispatch_floating(rows.dtype(), "cross_entropy_backward", [&](auto tag) {
    using T = decltype(tag);
    std::vector<T> shares;  // a reduced loss's one share, repeated for the kernel's per-row reads
    if (loss.reduction != Reduction::kNone)
      shares.assign(static_cast<std::size_t>(n),
                    static_cast<T>(gc.data<T>()[0] / (loss.reduction == Reduction::kMean ? loss.denominator : 1.0)));
    kernels::cross_entropy_backward_rows(rows.data<T>(), lse.data<T>(), shares.empty() ? gc.data<T>() : shares.data(),
                                         dx.data<T>(), n, classes,
                                         kernel_args<T>(loss.target, loss.weight, loss.ignore, loss.smoothing));
  });
  if (!autograd::needs_grad({grad_output, rows})) return dx;
  return record(Op::cross_entropy_backward, autograd::LossAttributes{loss.reduction, loss.ignore, loss.smoothing},
                {grad_output, rows}, dx, [sg = save(grad_output), sx = save(rows), loss](const Tensor& gg) {
                  const Tensor g = sg.get(), x = sx.get();
                  const auto [q, total] = row_targets(loss.target, loss.weight, loss.ignore, loss.smoothing, x.shape()[0],
                                                      x.shape()[1], x.dtype());
                  const Tensor p = softmax(x, 1);
                  const Tensor per_row = sum(mul(gg, sub(mul(total, p), q)), {1});
                  Tensor dg, share;
                  if (loss.reduction == Reduction::kNone) {
                    dg = per_row.reshape(g.shape());
                    share = g.reshape({-1, 1});
                  } else {
                    const bool mean = loss.reduction == Reduction::kMean;
                    dg = mean ? div(sum(per_row), loss.denominator) : sum(per_row);
                    share = mean ? div(g, loss.denominator) : g;
                  }
                  return Grads{dg, softmax_backward_data(mul(gg, mul(share, total)), p, 1)};
                });
}

Tensor cross_entropy_indices(const Tensor& input, const Tensor& target, const Tensor& weight0, Reduction reduction,
                             std::int64_t ignore, double smoothing) {
  const ClassLayout layout = detail::class_index_layout("cross_entropy", input, target);
  const Tensor weight = weight0.defined() ? weight0.detach().contiguous() : Tensor();
  detail::check_class_weight("cross_entropy", "", weight, input, layout.classes);
  detail::check_target_bounds(target, layout.classes, ignore);
  const double denominator = detail::valid_target_weight(target, weight, ignore);

  // (n, classes) rows: (N, C) already is; the others are reshaped (a recorded view).
  Tensor rows = classes_last(input).contiguous();
  if (rows.dim() != 2) rows = rows.reshape({layout.targets(), layout.classes});
  const std::int64_t n_rows = layout.targets(), n_cols = layout.classes;
  Tensor losses = empty({n_rows}, input.dtype());
  Tensor lse = empty({n_rows}, input.dtype());
  dispatch_floating(input.dtype(), "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    kernels::cross_entropy_forward_rows(rows.data<T>(), losses.data<T>(), lse.data<T>(), n_rows, n_cols,
                                        kernel_args<T>(target, weight, ignore, smoothing));
  });
  const Tensor out = detail::reduce_losses(losses, reduction, denominator, layout.per_target_shape);
  if (!autograd::needs_grad({rows})) return out;
  return record(Op::cross_entropy, autograd::LossAttributes{reduction, ignore, smoothing}, {rows}, out,
                [sx = save(rows), lse, loss = RowLoss{target.detach(), weight, ignore, smoothing, reduction, denominator}](
                    const Tensor& g) { return Grads{cross_entropy_backward(g, sx.get(), lse, loss)}; });
}

// Probability targets: l = -Σ_c w_c·y'_c·log p_c with y' = (1-ε)·y + ε/C; kMean divides by the
// number of targets (numel / C) whatever the weights. Composed of ops, so the target is
// differentiable too.
Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target, const Tensor& weight0,
                                   Reduction reduction, std::int64_t ignore, double smoothing) {
  if (!target.is_floating_point())
    throw std::invalid_argument(std::string("Expected floating point type for target with class probabilities, got ") +
                                detail::torch_type_name(target.dtype()));
  if (ignore >= 0) throw std::invalid_argument("ignore_index is not supported for floating point target");
  const ClassLayout layout = detail::class_layout("cross_entropy", input);
  detail::check_loss_dtype("cross_entropy", "target", target, input);
  const Tensor weight = weight0.defined() ? weight0.detach().contiguous() : Tensor();
  detail::check_class_weight("cross_entropy", "cross_entropy: ", weight, input, layout.classes);

  const Shape bci{layout.batch, layout.classes, layout.inner};
  const double keep = 1 - smoothing, spread = smoothing / static_cast<double>(layout.classes);
  Tensor weighted = mul(log_softmax(input, layout.class_dim).reshape(bci), add(mul(target.reshape(bci), keep), spread));
  if (weight.defined()) weighted = mul(weighted, weight.reshape({1, layout.classes, 1}));
  const Tensor losses = neg(sum(weighted, {1})).reshape(layout.per_target_shape);
  if (reduction == Reduction::kNone) return losses;
  const Tensor total = sum(losses);
  return reduction == Reduction::kMean ? div(total, static_cast<double>(layout.targets())) : total;
}

}  // namespace

Tensor cross_entropy_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                          std::int64_t ignore_index, double label_smoothing) {
  // PyTorch 1.13 lets a negative label_smoothing through; tapegrad holds it to the range its message states.
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) {
    std::string shown = std::to_string(label_smoothing);
    shown.erase(shown.find_last_not_of('0') + 1);  // 1.500000 -> 1.5, as Python prints it
    if (shown.back() == '.') shown += '0';
    throw std::invalid_argument("label_smoothing must be between 0.0 and 1.0. Got: " + shown);
  }
  // The kernels read raw memory: row-major operands (a view is copied, recorded).
  const Tensor x = input.defined() ? input.contiguous() : input;
  const Tensor t = target.defined() ? target.contiguous() : target;
  if (x.defined() && t.defined() && x.shape() == t.shape())
    return cross_entropy_probabilities(x, t, weight, reduction, ignore_index, label_smoothing);
  return cross_entropy_indices(x, t, weight, reduction, ignore_index, label_smoothing);
}

}  // namespace tapegrad
