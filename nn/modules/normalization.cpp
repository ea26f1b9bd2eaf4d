#include "normalization.hpp"

#include "../../core/autograd.hpp"
#include "../functional.hpp"
#include "activation.hpp"  // detail::format_number

namespace tapegrad::nn {

LayerNorm::LayerNorm(const LayerNormOptions& options_) : options(options_) {
  if (options.elementwise_affine()) {
    weight = register_parameter("weight", empty(options.normalized_shape()));
    bias = register_parameter("bias", empty(options.normalized_shape()));
  }
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (!weight.defined()) return;
  NoGradGuard no_grad;
  weight.fill_(1.0);
  bias.fill_(0.0);
}

Tensor LayerNorm::forward(const Tensor& input) const {
  return functional::layer_norm(
      input, functional::LayerNormFuncOptions(options.normalized_shape()).weight(weight).bias(bias).eps(options.eps()));
}

std::string LayerNorm::repr() const {
  std::string dims;
  for (auto d : options.normalized_shape()) dims += std::to_string(d) + ",";
  if (options.normalized_shape().size() > 1) dims.pop_back();
  return "LayerNorm((" + dims + "), eps=" + detail::format_number(options.eps()) +
         ", elementwise_affine=" + (options.elementwise_affine() ? "True" : "False") + ")";
}

}  // namespace tapegrad::nn
