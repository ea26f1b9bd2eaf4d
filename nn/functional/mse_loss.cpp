// mse_loss: l = (x - y)², with x and y of one shape (see functional.hpp for why no broadcasting).
#include <stdexcept>
#include <utility>

#include "../functional.hpp"
#include "loss_utils.hpp"

namespace tapegrad::nn::functional {

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options) {
  if (target.shape() != input.shape())
    throw std::invalid_argument("mse_loss: target size " + shape_str(target.shape()) +
                                " must be the same as input size " + shape_str(input.shape()) +
                                " (tapegrad does not broadcast in mse_loss)");
  detail::check_loss_dtype("mse_loss", "target", target, input);
  return detail::pointwise_loss(
      autograd::Op::mse_loss, input, target, Tensor(), Tensor(), options.reduction(),
      [](auto x, auto y, auto, auto) { return (x - y) * (x - y); },
      [](auto x, auto y, auto, auto) {
        using T = decltype(x);
        return std::pair<T, T>{2 * (x - y), -2 * (x - y)};
      },
      [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor&) {
        const Tensor d = mul(sub(x, y), 2.0);
        return std::pair<Tensor, Tensor>{d, neg(d)};
      });
}

}  // namespace tapegrad::nn::functional
