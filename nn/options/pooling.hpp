// Options of the 2-D poolings, with libtorch's names:
//   MaxPool2dOptions(2), AvgPool2dOptions({2, 3}).ceil_mode(true), AdaptiveAvgPool2dOptions(1)
#pragma once

#include <utility>

#include "../../core/arg.hpp"
#include "expanding_array.hpp"

namespace tapegrad::nn {

// stride starts as the kernel size (PyTorch's stride=None), as libtorch.
struct MaxPool2dOptions {
  MaxPool2dOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  TAPEGRAD_ARG(ExpandingArray<2>, kernel_size);
  TAPEGRAD_ARG(ExpandingArray<2>, stride);
  TAPEGRAD_ARG(ExpandingArray<2>, padding) = 0;
  TAPEGRAD_ARG(ExpandingArray<2>, dilation) = 1;
  TAPEGRAD_ARG(bool, ceil_mode) = false;
};
using MaxPool2dFuncOptions = MaxPool2dOptions;

struct AvgPool2dOptions {
  AvgPool2dOptions(ExpandingArray<2> kernel_size) : kernel_size_(kernel_size), stride_(kernel_size) {}  // NOLINT
  TAPEGRAD_ARG(ExpandingArray<2>, kernel_size);
  TAPEGRAD_ARG(ExpandingArray<2>, stride);
  TAPEGRAD_ARG(ExpandingArray<2>, padding) = 0;
  TAPEGRAD_ARG(bool, ceil_mode) = false;
  TAPEGRAD_ARG(bool, count_include_pad) = true;
};
using AvgPool2dFuncOptions = AvgPool2dOptions;

struct AdaptiveAvgPool2dOptions {
  AdaptiveAvgPool2dOptions(ExpandingArray<2> output_size) : output_size_(std::move(output_size)) {}  // NOLINT
  TAPEGRAD_ARG(ExpandingArray<2>, output_size);
};

}  // namespace tapegrad::nn
