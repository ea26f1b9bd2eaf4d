#include "linear.hpp"

#include <cmath>
#include <stdexcept>

#include "../../core/autograd.hpp"
#include "../../core/ops.hpp"
#include "../../core/random.hpp"
#include "../functional.hpp"

namespace tapegrad::nn {

Linear::Linear(const LinearOptions& options_) : options(options_) {
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
  const auto fan_in = static_cast<double>(options.in_features());
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(fan_in) : 0.0;
  NoGradGuard no_grad;
  weight.copy_(uniform(weight.shape(), -bound, bound, weight.dtype()));
  if (bias.defined()) bias.copy_(uniform(bias.shape(), -bound, bound, bias.dtype()));
}

Tensor Linear::forward(const Tensor& input) const { return functional::linear(input, weight, bias); }

std::string Linear::repr() const {
  return "Linear(in_features=" + std::to_string(options.in_features()) +
         ", out_features=" + std::to_string(options.out_features()) +
         ", bias=" + (options.bias() ? "true" : "false") + ")";
}

Tensor Flatten::forward(const Tensor& input) const { return flatten(input, options.start_dim(), options.end_dim()); }
std::string Flatten::repr() const {
  return "Flatten(start_dim=" + std::to_string(options.start_dim()) + ", end_dim=" + std::to_string(options.end_dim()) + ")";
}

Tensor Unflatten::forward(const Tensor& input) const {
  const std::int64_t dim = wrap_dim(options.dim(), input.dim());
  std::int64_t product = 1;
  for (auto s : options.sizes()) product *= s;
  std::string sizes;
  for (auto s : options.sizes()) sizes += (sizes.empty() ? "" : ", ") + std::to_string(s);
  if (product != input.shape()[dim])
    throw std::invalid_argument("unflatten: Provided sizes [" + sizes + "] don't multiply up to the size of dim " +
                                std::to_string(dim) + " (" + std::to_string(input.shape()[dim]) + ") in the input tensor");
  Shape s(input.shape().begin(), input.shape().begin() + dim);
  s.insert(s.end(), options.sizes().begin(), options.sizes().end());
  s.insert(s.end(), input.shape().begin() + dim + 1, input.shape().end());
  return reshape(input, s);
}
std::string Unflatten::repr() const {
  std::string sizes;
  for (auto s : options.sizes()) sizes += (sizes.empty() ? "" : ", ") + std::to_string(s);
  return "Unflatten(dim=" + std::to_string(options.dim()) + ", unflattened_size=(" + sizes + "))";
}

}  // namespace tapegrad::nn
