// The 2-D pooling modules: thin wrappers over nn::functional.
#pragma once

#include <string>

#include "../module.hpp"
#include "../options/pooling.hpp"

namespace tapegrad::nn {

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options) : options_(options) {}
  explicit MaxPool2d(ExpandingArray<2> kernel_size) : MaxPool2d(MaxPool2dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  const MaxPool2dOptions& options() const { return options_; }
  std::string repr() const override;

 private:
  MaxPool2dOptions options_;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options) : options_(options) {}
  explicit AvgPool2d(ExpandingArray<2> kernel_size) : AvgPool2d(AvgPool2dOptions(std::move(kernel_size))) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  const AvgPool2dOptions& options() const { return options_; }
  std::string repr() const override;

 private:
  AvgPool2dOptions options_;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(const AdaptiveAvgPool2dOptions& options) : options_(options) {}
  explicit AdaptiveAvgPool2d(ExpandingArray<2> output_size) : AdaptiveAvgPool2d(AdaptiveAvgPool2dOptions(std::move(output_size))) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  const AdaptiveAvgPool2dOptions& options() const { return options_; }
  std::string repr() const override { return "AdaptiveAvgPool2d(output_size=" + tuple_str(options_.output_size()) + ")"; }

 private:
  AdaptiveAvgPool2dOptions options_;
};

}  // namespace tapegrad::nn
