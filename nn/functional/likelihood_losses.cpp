// poisson_nll_loss and gaussian_nll_loss (PyTorch 1.13's formulas), composed of core ops.
#include <cmath>
#include <numbers>

#include "../functional.hpp"
#include "composed_loss.hpp"

namespace tapegrad::nn::functional {

using detail::scalar_of;

Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossFuncOptions& options) {
  if (!input.defined() || !target.defined()) throw std::invalid_argument("poisson_nll_loss: input and target must be defined");
  detail::check_loss_dtype("poisson_nll_loss", "target", target, input);
  Tensor losses = options.log_input() ? sub(exp(input), mul(target, input))
                                      : sub(input, mul(target, log(add(input, options.eps()))));
  if (options.full()) {
    // Stirling's term t·log t - t + log(2πt)/2, only where t > 1; it reads t = 2 elsewhere so the
    // unused branch stays finite (and its gradient 0, not NaN).
    const Tensor small = le(target, scalar_of(target, 1));
    const Tensor t = where(small, scalar_of(target, 2), target);
    const Tensor stirling = add(sub(mul(t, log(t)), t), mul(log(mul(t, 2 * std::numbers::pi)), 0.5));
    losses = add(losses, where(small, scalar_of(target, 0), stirling));
  }
  return detail::apply_reduction(losses, options.reduction());
}

Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options) {
  if (!input.defined() || !target.defined() || !var.defined())
    throw std::invalid_argument("gaussian_nll_loss: input, target and var must be defined");
  detail::check_loss_dtype("gaussian_nll_loss", "target", target, input);
  detail::check_loss_dtype("gaussian_nll_loss", "var", var, input);
  Tensor v = var;
  if (var.shape() != input.shape()) {
    const Shape batch(input.shape().begin(), input.shape().end() - (input.dim() > 0 ? 1 : 0));
    const bool heteroscedastic_one = var.dim() == input.dim() && var.dim() > 0 && var.shape().back() == 1 &&
                                     Shape(var.shape().begin(), var.shape().end() - 1) == batch;
    if (input.dim() > 0 && var.shape() == batch) v = unsqueeze(var, -1);  // one variance per sample
    else if (!heteroscedastic_one) throw std::invalid_argument("var is of incorrect size");
  }
  {
    NoGradGuard no_grad;
    if (sum(lt(v, 0.0)).item() > 0) throw std::invalid_argument("var has negative entry/entries");
  }
  // var clamped to eps without changing its gradient (PyTorch clamps in place under no_grad).
  const Tensor vd = v.detach();
  const Tensor clamped = add(v, sub(clamp(vd, options.eps(), std::nullopt), vd));
  const Tensor diff = sub(input, target);
  Tensor losses = mul(add(log(clamped), div(mul(diff, diff), clamped)), 0.5);
  if (options.full()) losses = add(losses, 0.5 * std::log(2 * std::numbers::pi));
  return detail::apply_reduction(losses, options.reduction());
}

}  // namespace tapegrad::nn::functional
