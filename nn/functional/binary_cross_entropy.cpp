// binary_cross_entropy on probabilities: l = -w·[y·max(log x, -100) + (1-y)·max(log(1-x), -100)].
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "../functional.hpp"
#include "loss_utils.hpp"

namespace tapegrad::nn::functional {

namespace {

void check_probabilities(const Tensor& input0) {
  const Tensor input = input0.expect_contiguous();
  dispatch_floating(input.dtype(), "binary_cross_entropy", [&](auto tag) {
    using T = decltype(tag);
    const T* x = input.data<T>();
    for (std::int64_t i = 0, n = input.numel(); i < n; ++i)
      if (!(x[i] >= 0 && x[i] <= 1))  // written so NaN fails too
        throw std::invalid_argument("all elements of input should be between 0 and 1");
  });
}

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options) {
  if (target.shape() != input.shape())
    throw std::invalid_argument("Using a target size (" + shape_str(target.shape()) +
                                ") that is different to the input size (" + shape_str(input.shape()) +
                                ") is not supported. Please ensure they have the same size.");
  detail::check_loss_dtype("binary_cross_entropy", "target", target, input);
  if (options.weight().defined()) detail::check_loss_dtype("binary_cross_entropy", "weight", options.weight(), input);
  check_probabilities(input);
  const Tensor weight = detail::broadcast_to_shape("binary_cross_entropy", "weight", options.weight(), input.shape());
  return detail::pointwise_loss(
      autograd::Op::binary_cross_entropy, input, target, weight, Tensor(), options.reduction(),
      [](auto x, auto y, auto w, auto) {
        using T = decltype(x);
        // The clamp keeps the loss finite at x = 0 or 1 (log 0 = -inf).
        return -w * (y * std::max(std::log(x), T(-100)) + (1 - y) * std::max(std::log1p(-x), T(-100)));
      },
      [](auto x, auto y, auto w, auto) {
        using T = decltype(x);
        const T dx = w * (x - y) / std::max(x * (1 - x), T(1e-12));
        // d/dy as PyTorch computes it: -logit(x), from the unclamped logs.
        const T dy = w * (std::log1p(-x) - std::log(x));
        return std::pair<T, T>{dx, dy};
      },
      [](const Tensor& x, const Tensor& y, const Tensor& w, const Tensor&) {
        const Tensor w1 = detail::or_ones(w, x);
        const Tensor dx = mul(w1, div(sub(x, y), clamp(mul(x, rsub(1.0, x)), 1e-12, std::nullopt)));
        const Tensor dy = mul(w1, sub(log1p(neg(x)), log(x)));
        return std::pair<Tensor, Tensor>{dx, dy};
      });
}

}  // namespace tapegrad::nn::functional
