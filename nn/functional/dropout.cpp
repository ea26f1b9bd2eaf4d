// dropout and dropout2d: the input times a random mask, composed of core ops (no backward of their own).
#include <stdexcept>
#include <string>

#include "../../core/ops.hpp"
#include "../../core/random.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

namespace {

void check_p(double p) {
  if (p < 0 || p > 1)
    throw std::invalid_argument("dropout probability has to be between 0 and 1, but got " + std::to_string(p));
}

// input · mask / (1 - p), with mask ~ Bernoulli(1 - p) of `mask_shape` (broadcast over the rest).
Tensor masked(const Tensor& input, const Shape& mask_shape, double p) {
  check_floating(input.dtype(), "dropout");
  if (p == 1) return input * 0.0;
  const Tensor keep = lt(rand(mask_shape, input.dtype()), 1 - p);
  return input * (keep * (1.0 / (1 - p)));
}

}  // namespace

Tensor dropout(const Tensor& input, const DropoutFuncOptions& options) {
  check_p(options.p());
  if (!options.training() || options.p() == 0) return input;
  return masked(input, input.shape(), options.p());
}

Tensor dropout2d(const Tensor& input, const DropoutFuncOptions& options) {
  check_p(options.p());
  if (input.dim() != 3 && input.dim() != 4)
    throw std::invalid_argument("dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, but got " +
                                shape_str(input.shape()));
  if (!options.training() || options.p() == 0) return input;
  Shape mask = input.shape();
  for (std::size_t d = mask.size() - 2; d < mask.size(); ++d) mask[d] = 1;
  return masked(input, mask, options.p());
}

}  // namespace tapegrad::nn::functional
