// cross_entropy with class-index targets (on the fused row kernels: one pass over the logits
// forward, the backward reuses the saved logsumexp) or class-probability targets (on log_softmax).
#include <numeric>
#include <stdexcept>
#include <string>

#include "../../core/autograd.hpp"
#include "../../core/kernels/softmax.hpp"
#include "../../core/ops.hpp"
#include "../functional.hpp"
#include "class_targets.hpp"
#include "loss_utils.hpp"

namespace tapegrad::nn::functional {

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

// dl/dx = s·(S·softmax(x) - q) for x seen as n rows of C classes, with targets q (RowTargets:
// constant) and S = Σ_j q_j, in recorded ops: the create_graph twin of kernels::cross_entropy_backward_rows.
Tensor class_index_gradient(const Tensor& x_any, const Tensor& s, const Tensor& target, const Tensor& weight,
                            std::int64_t ignore, double smoothing, std::int64_t n, std::int64_t classes) {
  const Tensor x = x_any.reshape({n, classes});
  Tensor q = zeros({n, classes}, x.dtype());
  Tensor total = zeros({n, 1}, x.dtype());
  dispatch_floating(x.dtype(), "cross_entropy_backward", [&](auto tag) {
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
  return mul(s.reshape({n, 1}), sub(mul(total, tapegrad::softmax(x, 1)), q)).reshape(x_any.shape());
}

Tensor cross_entropy_indices(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  const ClassLayout layout = detail::class_index_layout("cross_entropy", input, target);
  const Tensor weight = options.weight().defined() ? options.weight().detach().contiguous() : Tensor();
  detail::check_class_weight("cross_entropy", "", weight, input, layout.classes);
  const std::int64_t ignore = options.ignore_index();
  const double smoothing = options.label_smoothing();
  detail::check_target_bounds(target, layout.classes, ignore);
  const double denominator = detail::valid_target_weight(target, weight, ignore);

  const Tensor rows = classes_last(input).contiguous();
  const std::int64_t n_rows = layout.targets(), n_cols = layout.classes;
  Tensor losses = empty({n_rows}, input.dtype());
  Tensor lse = empty({n_rows}, input.dtype());
  dispatch_floating(input.dtype(), "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    kernels::cross_entropy_forward_rows(rows.data<T>(), losses.data<T>(), lse.data<T>(), n_rows, n_cols,
                                        kernel_args<T>(target, weight, ignore, smoothing));
  });
  const Tensor out = detail::reduce_losses(losses, options.reduction(), denominator, layout.per_target_shape);

  return autograd::record(
      autograd::Op::cross_entropy, {rows}, out,
      [sx = autograd::save(rows), lse, st = autograd::save(target.detach()), weight, ignore, smoothing,
       reduction = options.reduction(), denominator, n_rows, n_cols](const Tensor& g) {
        const Tensor x = sx.get();
        const Tensor s = detail::upstream_per_element(g, reduction, denominator, n_rows);
        if (autograd::needs_grad({g}))  // create_graph: s·(S·softmax(x) - q), recorded
          return std::vector<Tensor>{class_index_gradient(x, s, st.get(), weight, ignore, smoothing, n_rows, n_cols)};
        Tensor dx = empty(x.shape(), x.dtype());
        dispatch_floating(x.dtype(), "cross_entropy_backward", [&](auto tag) {
          using T = decltype(tag);
          kernels::cross_entropy_backward_rows(x.data<T>(), lse.data<T>(), s.data<T>(), dx.data<T>(), n_rows, n_cols,
                                               kernel_args<T>(st.get(), weight, ignore, smoothing));
        });
        return std::vector<Tensor>{dx};
      });
}

// Probability targets: l = -Σ_c w_c·y'_c·log p_c with y' = (1-ε)·y + ε/C; kMean divides by the
// number of targets (numel / C) whatever the weights. Recorded on (log p, y), so the target is
// differentiable too; log p comes from core's log_softmax op.
Tensor cross_entropy_probabilities(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  if (!target.is_floating_point())
    throw std::invalid_argument(std::string("Expected floating point type for target with class probabilities, got ") +
                                detail::torch_type_name(target.dtype()));
  if (options.ignore_index() >= 0)
    throw std::invalid_argument("ignore_index is not supported for floating point target");
  const ClassLayout layout = detail::class_layout("cross_entropy", input);
  detail::check_loss_dtype("cross_entropy", "target", target, input);
  const Tensor weight = options.weight().defined() ? options.weight().detach().contiguous() : Tensor();
  detail::check_class_weight("cross_entropy", "cross_entropy: ", weight, input, layout.classes);
  const double smoothing = options.label_smoothing();
  const double denominator = static_cast<double>(layout.targets());

  const Tensor log_p = tapegrad::log_softmax(input, layout.class_dim);
  // Visits every (target i, class c) with the flat offset `at` of that element.
  auto for_each = [layout](auto f) {
    for (std::int64_t b = 0; b < layout.batch; ++b)
      for (std::int64_t c = 0; c < layout.classes; ++c)
        for (std::int64_t k = 0; k < layout.inner; ++k)
          f(b * layout.inner + k, c, (b * layout.classes + c) * layout.inner + k);
  };
  Tensor losses = zeros({layout.targets()}, input.dtype());
  dispatch_floating(input.dtype(), "cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const T* lp = log_p.data<T>();
    const T* y = target.data<T>();
    const T* w = weight.defined() ? weight.data<T>() : nullptr;
    const T keep = T(1 - smoothing), spread = T(smoothing / static_cast<double>(layout.classes));
    T* l = losses.data<T>();
    for_each([&](std::int64_t i, std::int64_t c, std::int64_t at) {
      l[i] -= (w ? w[c] : T{1}) * (keep * y[at] + spread) * lp[at];
    });
  });
  const Tensor out = detail::reduce_losses(losses, options.reduction(), denominator, layout.per_target_shape);

  return autograd::record(
      autograd::Op::cross_entropy_probabilities, {log_p, target}, out,
      [for_each, layout, slp = autograd::save(log_p), sy = autograd::save(target), weight, smoothing,
       reduction = options.reduction(), denominator, need_lp = log_p.requires_grad(),
       need_y = target.requires_grad()](const Tensor& g) {
        const Tensor lp_t = slp.get();
        const Tensor s = detail::upstream_per_element(g, reduction, denominator, layout.targets());
        if (autograd::needs_grad({g})) {  // create_graph: the same formulas on (batch, classes, inner) views
          const Shape bci{layout.batch, layout.classes, layout.inner};
          const double keep = 1 - smoothing, spread = smoothing / static_cast<double>(layout.classes);
          Tensor scale = neg(s.reshape({layout.batch, 1, layout.inner}));  // -s·w_c
          if (weight.defined()) scale = mul(scale, weight.reshape({1, layout.classes, 1}));
          const Tensor lp = lp_t.reshape(bci), y = sy.get().reshape(bci);
          return std::vector<Tensor>{need_lp ? mul(scale, add(mul(y, keep), spread)).reshape(lp_t.shape()) : Tensor(),
                                     need_y ? mul(mul(scale, lp), keep).reshape(lp_t.shape()) : Tensor()};
        }
        Tensor d_lp = need_lp ? empty(lp_t.shape(), lp_t.dtype()) : Tensor();
        Tensor dy = need_y ? empty(lp_t.shape(), lp_t.dtype()) : Tensor();
        dispatch_floating(lp_t.dtype(), "cross_entropy_probabilities_backward", [&](auto tag) {
          using T = decltype(tag);
          const T* lp = lp_t.data<T>();
          const T* y = sy.get().data<T>();
          const T* w = weight.defined() ? weight.data<T>() : nullptr;
          const T* ps = s.data<T>();
          const T keep = T(1 - smoothing), spread = T(smoothing / static_cast<double>(layout.classes));
          T* pd = need_lp ? d_lp.data<T>() : nullptr;
          T* pdy = need_y ? dy.data<T>() : nullptr;
          for_each([&](std::int64_t i, std::int64_t c, std::int64_t at) {
            const T wc = w ? w[c] : T{1};
            if (pd) pd[at] = -ps[i] * wc * (keep * y[at] + spread);
            if (pdy) pdy[at] = -ps[i] * wc * keep * lp[at];
          });
        });
        return std::vector<Tensor>{d_lp, dy};
      });
}

}  // namespace

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  // PyTorch 1.13 lets a negative label_smoothing through; tapegrad holds it to the range its message states.
  const double smoothing = options.label_smoothing();
  if (!(smoothing >= 0.0 && smoothing <= 1.0)) {
    std::string shown = std::to_string(smoothing);
    shown.erase(shown.find_last_not_of('0') + 1);  // 1.500000 -> 1.5, as Python prints it
    if (shown.back() == '.') shown += '0';
    throw std::invalid_argument("label_smoothing must be between 0.0 and 1.0. Got: " + shown);
  }
  // The kernels read raw memory: row-major operands (a view is copied, recorded).
  const Tensor x = input.defined() ? input.contiguous() : input;
  const Tensor t = target.defined() ? target.contiguous() : target;
  if (x.defined() && t.defined() && x.shape() == t.shape()) return cross_entropy_probabilities(x, t, options);
  return cross_entropy_indices(x, t, options);
}

}  // namespace tapegrad::nn::functional
