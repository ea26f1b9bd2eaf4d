#include "pooling.hpp"

#include "../functional.hpp"

namespace tapegrad::nn {

Tensor MaxPool2d::forward(const Tensor& input) const { return functional::max_pool2d(input, options); }

std::string MaxPool2d::repr() const {
  const auto& o = options;
  return "MaxPool2d(kernel_size=" + tuple_str(o.kernel_size()) + ", stride=" + tuple_str(o.stride()) +
         ", padding=" + tuple_str(o.padding()) + ", dilation=" + tuple_str(o.dilation()) +
         ", ceil_mode=" + (o.ceil_mode() ? "true" : "false") + ")";
}

Tensor AvgPool2d::forward(const Tensor& input) const { return functional::avg_pool2d(input, options); }

std::string AvgPool2d::repr() const {
  const auto& o = options;
  return "AvgPool2d(kernel_size=" + tuple_str(o.kernel_size()) + ", stride=" + tuple_str(o.stride()) +
         ", padding=" + tuple_str(o.padding()) + ")";
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) const {
  return functional::adaptive_avg_pool2d(input, options.output_size());
}

}  // namespace tapegrad::nn
