// binary_cross_entropy on probabilities: l = -w·[y·max(log x, -100) + (1-y)·max(log(1-x), -100)], and
// binary_cross_entropy_with_logits in its stable form:
//   l = w·[(1-y)·x + lw·softplus(-x)], lw = 1 + (pw-1)·y, softplus(-x) = log1p(exp(-|x|)) + max(-x, 0)
// which stays exact for logits of any magnitude (no sigmoid that saturates to 0 or 1).
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "common.hpp"
#include "loss_utils.hpp"

namespace tapegrad {

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

template <class T> T softplus_of_negative(T x) { return std::log1p(std::exp(-std::abs(x))) + std::max(-x, T{0}); }

}  // namespace

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight0, Reduction reduction) {
  if (target.shape() != input.shape())
    throw std::invalid_argument("Using a target size (" + shape_str(target.shape()) +
                                ") that is different to the input size (" + shape_str(input.shape()) +
                                ") is not supported. Please ensure they have the same size.");
  detail::check_loss_dtype("binary_cross_entropy", "target", target, input);
  if (weight0.defined()) detail::check_loss_dtype("binary_cross_entropy", "weight", weight0, input);
  check_probabilities(input);
  const Tensor weight = detail::broadcast_to_shape("binary_cross_entropy", "weight", weight0, input.shape());
  return detail::pointwise_loss(
      Op::binary_cross_entropy, input, target, weight, Tensor(), reduction,
      [](auto x, auto y, auto w, auto) {
        using T = decltype(x);
        // The clamp keeps the loss finite at x = 0 or 1 (log 0 = -inf).
        return -w * (y * std::max(std::log(x), T(-100)) + (1 - y) * std::max(std::log1p(-x), T(-100)));
      },
      // d/dx = w·(x - y) / max(x·(1 - x), 1e-12); d/dy as PyTorch computes it: -logit(x), unclamped.
      [](const Tensor& x, const Tensor& y, const Tensor& w, const Tensor&) {
        const Tensor w1 = detail::or_ones(w, x);
        const Tensor dx = mul(w1, div(sub(x, y), clamp(mul(x, rsub(1.0, x)), 1e-12, std::nullopt)));
        const Tensor dy = mul(w1, sub(log1p(neg(x)), log(x)));
        return std::pair<Tensor, Tensor>{dx, dy};
      });
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight0,
                                        const Tensor& pos_weight0, Reduction reduction) {
  const char* op = "binary_cross_entropy_with_logits";
  if (target.shape() != input.shape())
    throw std::invalid_argument("Target size (" + shape_str(target.shape()) + ") must be the same as input size (" +
                                shape_str(input.shape()) + ")");
  detail::check_loss_dtype(op, "target", target, input);
  if (weight0.defined()) detail::check_loss_dtype(op, "weight", weight0, input);
  if (pos_weight0.defined()) detail::check_loss_dtype(op, "pos_weight", pos_weight0, input);
  const Tensor weight = detail::broadcast_to_shape(op, "weight", weight0, input.shape());
  const Tensor pos_weight = detail::broadcast_to_shape(op, "pos_weight", pos_weight0, input.shape());
  return detail::pointwise_loss(
      Op::binary_cross_entropy_with_logits, input, target, weight, pos_weight, reduction,
      [](auto x, auto y, auto w, auto pw) { return w * ((1 - y) * x + (1 + (pw - 1) * y) * softplus_of_negative(x)); },
      // d/dx = w·((pw·y + 1 - y)·sigmoid(x) - pw·y); d/dy = w·((pw - 1)·softplus(-x) - x).
      [](const Tensor& x, const Tensor& y, const Tensor& w, const Tensor& pw) {
        const Tensor w1 = detail::or_ones(w, x), pw1 = detail::or_ones(pw, x);
        const Tensor softplus_neg = add(log1p(exp(neg(abs(x)))), relu(neg(x)));
        const Tensor pw_y = mul(pw1, y);
        const Tensor dx = mul(w1, sub(mul(add(sub(pw_y, y), 1.0), sigmoid(x)), pw_y));
        const Tensor dy = mul(w1, sub(mul(sub(pw1, 1.0), softplus_neg), x));
        return std::pair<Tensor, Tensor>{dx, dy};
      });
}

}  // namespace tapegrad
