// The 2-D pooling modules: thin wrappers over nn::functional.
#pragma once

#include <string>

#include "../module.hpp"
#include "../options/pooling.hpp"

namespace tapegrad::nn {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options_) : options(options_) {}
  explicit MaxPool2d(ExpandingArray<2> kernel_size) : MaxPool2d(MaxPool2dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override;

  MaxPool2dOptions options;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options_) : options(options_) {}
  explicit AvgPool2d(ExpandingArray<2> kernel_size) : AvgPool2d(AvgPool2dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override;

  AvgPool2dOptions options;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(const AdaptiveAvgPool2dOptions& options_) : options(options_) {}
  explicit AdaptiveAvgPool2d(ExpandingArray<2> output_size) : AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions(std::move(output_size))) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "AdaptiveAvgPool2d(output_size=" + tuple_str(options.output_size()) + ")"; }

  AdaptiveAvgPool2dOptions options;
};

}  // namespace tapegrad::nn
