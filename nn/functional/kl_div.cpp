// kl_div: PyTorch 1.13's pointwise target·(log target - input) (or exp(t)·(t - input) with log_target),
// composed of core ops; batchmean divides the sum by the batch size.
#include "../functional.hpp"
#include "composed_loss.hpp"

namespace tapegrad::nn::functional {

Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options) {
  if (!input.defined() || !target.defined()) throw std::invalid_argument("kl_div: input and target must be defined");
  detail::check_loss_dtype("kl_div", "target", target, input);
  Tensor losses;
  if (options.log_target()) {
    losses = mul(exp(target), sub(target, input));
  } else {
    // xlogy(t, t) - t·input: 0·log 0 counts as 0. log reads 1 where t == 0 so the unused branch stays
    // finite (its gradient would be 0 · inf = NaN otherwise). t < 0 gives NaN, as PyTorch.
    const Tensor is_zero = eq(target, detail::scalar_of(target, 0));
    const Tensor safe = where(is_zero, detail::scalar_of(target, 1), target);
    losses = sub(mul(target, log(safe)), mul(target, input));
  }
  const Tensor reduced = detail::apply_reduction(losses, options.reduction().reduction());
  if (options.reduction().is_batchmean() && input.dim() != 0) return div(reduced, static_cast<double>(input.size(0)));
  return reduced;
}

}  // namespace tapegrad::nn::functional
