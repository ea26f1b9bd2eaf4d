// The activations. relu, sigmoid, tanh, softmax and log_softmax call core's ops (which hold forward and
// backward); the others are each composed of core ops: no backward of their own, so their gradients
// (and gradients of gradients) come from the parts. Where a branch of `where` could overflow, its
// input is clamped first: where() routes a zero gradient to the unused branch, and 0 · inf would
// otherwise turn it into NaN.
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

namespace {
Tensor constant(const Tensor& like, double v) { return full({}, v, like.dtype()); }
}  // namespace

Tensor relu(const Tensor& input) { return tapegrad::relu(input); }
Tensor sigmoid(const Tensor& input) { return tapegrad::sigmoid(input); }
Tensor tanh(const Tensor& input) { return tapegrad::tanh(input); }
Tensor softmax(const Tensor& input, std::int64_t dim) { return tapegrad::softmax(input, dim); }
Tensor log_softmax(const Tensor& input, std::int64_t dim) { return tapegrad::log_softmax(input, dim); }

Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options) {
  // x > 0 ? x : slope·x (gradient slope at 0, as PyTorch)
  return where(gt(input, 0.0), input, mul(input, options.negative_slope()));
}

Tensor elu(const Tensor& input, const ELUFuncOptions& options) {
  // x > 0 ? x : alpha·(exp(x) - 1); clamped at 0 so expm1 never overflows in the unused branch.
  const Tensor negative = mul(expm1(clamp(input, std::nullopt, 0.0)), options.alpha());
  return where(gt(input, 0.0), input, negative);
}

Tensor selu(const Tensor& input) {
  constexpr double kAlpha = 1.6732632423543772848170429916717;
  constexpr double kScale = 1.0507009873554804934193349852946;
  return mul(elu(input, ELUFuncOptions().alpha(kAlpha)), kScale);
}

Tensor gelu(const Tensor& input, const GELUFuncOptions& options) {
  if (options.approximate() == "none")  // x·Φ(x) = x·(1 + erf(x/√2))/2
    return mul(mul(input, add(erf(mul(input, std::numbers::sqrt2 / 2)), 1.0)), 0.5);
  if (options.approximate() == "tanh") {  // x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))/2
    const double k = std::sqrt(2.0 / std::numbers::pi);
    const Tensor inner = mul(add(input, mul(pow(input, 3.0), 0.044715)), k);
    return mul(mul(input, add(tapegrad::tanh(inner), 1.0)), 0.5);
  }
  throw std::invalid_argument("approximate argument must be either none or tanh.");
}

Tensor silu(const Tensor& input) { return mul(input, tapegrad::sigmoid(input)); }

Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options) {
  // log(1 + exp(beta·x))/beta, and x itself where beta·x > threshold (PyTorch's linear regime).
  const double beta = options.beta();
  const Tensor bx = mul(input, beta);
  const Tensor smooth = div(log1p(exp(clamp(bx, std::nullopt, options.threshold()))), beta);
  return where(gt(bx, options.threshold()), input, smooth);
}

Tensor mish(const Tensor& input) { return mul(input, tapegrad::tanh(softplus(input))); }

Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& options) {
  const double lo = options.min_val(), hi = options.max_val();
  if (lo > hi) throw std::invalid_argument("hardtanh: min_val cannot be greater than max_val");
  // Unlike clamp, the gradient is 0 at the bounds themselves (PyTorch's hardtanh_backward).
  const Tensor at_or_below = le(input, constant(input, lo));
  const Tensor at_or_above = ge(input, constant(input, hi));
  return where(at_or_below, constant(input, lo), where(at_or_above, constant(input, hi), input));
}

Tensor relu6(const Tensor& input) { return hardtanh(input, HardtanhFuncOptions().min_val(0).max_val(6)); }

Tensor logsigmoid(const Tensor& input) {
  // min(x, 0) - log1p(exp(-|x|)): never overflows; the gradient at 0 is 1/2 (minimum splits ties).
  return sub(minimum(input, constant(input, 0)), log1p(exp(neg(abs(input)))));
}

Tensor softsign(const Tensor& input) { return div(input, add(abs(input), 1.0)); }

}  // namespace tapegrad::nn::functional
