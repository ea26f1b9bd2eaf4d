// mse_loss: l = (x - y)², with x and y of one shape (tapegrad does not broadcast a target: an (N, 1)
// input against an (N) target is almost always a bug).
#include <stdexcept>
#include <utility>

#include "common.hpp"
#include "loss_utils.hpp"

namespace tapegrad {

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  if (target.shape() != input.shape())
    throw std::invalid_argument("mse_loss: target size " + shape_str(target.shape()) +
                                " must be the same as input size " + shape_str(input.shape()) +
                                " (tapegrad does not broadcast in mse_loss)");
  detail::check_loss_dtype("mse_loss", "target", target, input);
  return detail::pointwise_loss(
      Op::mse_loss, input, target, Tensor(), Tensor(), reduction, [](auto x, auto y, auto, auto) { return (x - y) * (x - y); },
      [](const Tensor& x, const Tensor& y, const Tensor&, const Tensor&) {
        const Tensor d = mul(sub(x, y), 2.0);
        return std::pair<Tensor, Tensor>{d, neg(d)};
      });
}

}  // namespace tapegrad
