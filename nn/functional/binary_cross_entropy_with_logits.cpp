// binary_cross_entropy_with_logits in its stable form:
//   l = w·[(1-y)·x + lw·softplus(-x)], lw = 1 + (pw-1)·y, softplus(-x) = log1p(exp(-|x|)) + max(-x, 0)
// which stays exact for logits of any magnitude (no sigmoid that saturates to 0 or 1).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "../functional.hpp"
#include "loss_utils.hpp"

namespace tapegrad::nn::functional {

namespace {

template <class T> T softplus_of_negative(T x) { return std::log1p(std::exp(-std::abs(x))) + std::max(-x, T{0}); }

template <class T> T stable_sigmoid(T x) {
  if (x >= 0) return T{1} / (T{1} + std::exp(-x));
  const T e = std::exp(x);
  return e / (T{1} + e);
}

}  // namespace

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  const char* op = "binary_cross_entropy_with_logits";
  if (target.shape() != input.shape())
    throw std::invalid_argument("Target size (" + shape_str(target.shape()) + ") must be the same as input size (" +
                                shape_str(input.shape()) + ")");
  detail::check_loss_dtype(op, "target", target, input);
  if (options.weight().defined()) detail::check_loss_dtype(op, "weight", options.weight(), input);
  if (options.pos_weight().defined()) detail::check_loss_dtype(op, "pos_weight", options.pos_weight(), input);
  const Tensor weight = detail::broadcast_to_shape(op, "weight", options.weight(), input.shape());
  const Tensor pos_weight = detail::broadcast_to_shape(op, "pos_weight", options.pos_weight(), input.shape());
  return detail::pointwise_loss(
      autograd::Op::binary_cross_entropy_with_logits, input, target, weight, pos_weight, options.reduction(),
      [](auto x, auto y, auto w, auto pw) { return w * ((1 - y) * x + (1 + (pw - 1) * y) * softplus_of_negative(x)); },
      [](auto x, auto y, auto w, auto pw) {
        using T = decltype(x);
        const T dx = w * ((pw * y + 1 - y) * stable_sigmoid(x) - pw * y);
        const T dy = w * ((pw - 1) * softplus_of_negative(x) - x);
        return std::pair<T, T>{dx, dy};
      },
      [](const Tensor& x, const Tensor& y, const Tensor& w, const Tensor& pw) {
        const Tensor w1 = detail::or_ones(w, x), pw1 = detail::or_ones(pw, x);
        const Tensor softplus_neg = add(log1p(exp(neg(abs(x)))), tapegrad::relu(neg(x)));
        const Tensor pw_y = mul(pw1, y);
        const Tensor dx = mul(w1, sub(mul(add(sub(pw_y, y), 1.0), tapegrad::sigmoid(x)), pw_y));
        const Tensor dy = mul(w1, sub(mul(sub(pw1, 1.0), softplus_neg), x));
        return std::pair<Tensor, Tensor>{dx, dy};
      });
}

}  // namespace tapegrad::nn::functional
