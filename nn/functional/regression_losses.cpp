// l1_loss, smooth_l1_loss and huber_loss, composed of core ops.
#include "../functional.hpp"
#include "composed_loss.hpp"

namespace tapegrad::nn::functional {

using detail::apply_reduction;
using detail::check_same_shape_loss;
using detail::scalar_of;

Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options) {
  check_same_shape_loss("l1_loss", input, target);
  return apply_reduction(abs(sub(input, target)), options.reduction());  // gradient 0 where input == target
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options) {
  check_same_shape_loss("smooth_l1_loss", input, target);
  const double beta = options.beta();
  if (beta < 0) throw std::invalid_argument("smooth_l1_loss does not support negative values for beta.");
  const Tensor d = abs(sub(input, target));
  if (beta == 0) return apply_reduction(d, options.reduction());  // PyTorch: exactly the L1 loss
  // |d| < beta ? d²/(2·beta) : |d| - beta/2
  const Tensor losses = where(lt(d, beta), div(mul(d, d), 2 * beta), sub(d, beta / 2));
  return apply_reduction(losses, options.reduction());
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options) {
  check_same_shape_loss("huber_loss", input, target);
  const double delta = options.delta();
  if (delta <= 0) throw std::invalid_argument("huber_loss does not support non-positive values for delta.");
  const Tensor d = abs(sub(input, target));
  // |d| < delta ? d²/2 : delta·(|d| - delta/2)
  const Tensor losses = where(lt(d, delta), mul(mul(d, d), 0.5), mul(sub(d, delta / 2), delta));
  return apply_reduction(losses, options.reduction());
}

}  // namespace tapegrad::nn::functional
