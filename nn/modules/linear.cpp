#include "linear.hpp"

#include <cmath>
#include <stdexcept>

#include "../../core/autograd.hpp"
#include "../../core/random.hpp"
#include "../functional.hpp"

namespace tapegrad::nn {

Linear::Linear(const LinearOptions& options) : options_(options) {
  if (options.in_features() < 0 || options.out_features() < 0)
    throw std::invalid_argument("Linear: in_features and out_features must be >= 0, got " +
                                std::to_string(options.in_features()) + " and " +
                                std::to_string(options.out_features()));
  weight = register_parameter("weight", empty({options.out_features(), options.in_features()}));
  if (options.bias()) bias = register_parameter("bias", empty({options.out_features()}));
  reset_parameters();
}

void Linear::reset_parameters() {
  // kaiming_uniform_(a=sqrt(5)) on the weight reduces to U(±1/sqrt(fan_in)); the bias uses the same bound.
  // With in_features == 0 PyTorch leaves the bound at 0 (nothing to scale by).
  const auto fan_in = static_cast<double>(options_.in_features());
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
  NoGradGuard no_grad;
  weight.copy_(uniform(weight.shape(), -bound, bound, weight.dtype()));
  if (bias.defined()) bias.copy_(uniform(bias.shape(), -bound, bound, bias.dtype()));
}

Tensor Linear::forward(const Tensor& input) const { return functional::linear(input, weight, bias); }

std::string Linear::repr() const {
  return "Linear(in_features=" + std::to_string(options_.in_features()) +
         ", out_features=" + std::to_string(options_.out_features()) +
         ", bias=" + (options_.bias() ? "true" : "false") + ")";
}

}  // namespace tapegrad::nn
