// Conv2d: a thin wrapper over nn::functional::conv2d.
#pragma once

#include <string>

#include "../module.hpp"
#include "../options/conv.hpp"

namespace tapegrad::nn {

// Weight (out, in / groups, kH, kW) and bias (out) ~ U(±1/sqrt(in / groups · kH · kW)), as PyTorch.
class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size)
      : Conv2d(Conv2dOptions(in_channels, out_channels, std::move(kernel_size))) {}
  explicit Conv2d(const Conv2dOptions& options_);
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  void reset_parameters();
  std::string repr() const override;

  Tensor weight;
  Tensor bias;  // undefined when options.bias(false)
  Conv2dOptions options;
};

}  // namespace tapegrad::nn
