// conv2d and the poolings: libtorch's options resolved into core's explicit geometry.
#include <stdexcept>

#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

namespace {

// {top, bottom, left, right} for the padding option; "same" puts the odd extra row/column at the end.
std::vector<std::int64_t> resolve_padding(const Conv2dPadding& padding, const Tensor& weight, const Conv2dFuncOptions& o) {
  if (!padding.is_mode()) {
    const auto& p = padding.size();
    return {p[0], p[0], p[1], p[1]};
  }
  if (padding.mode() == "valid") return {0, 0, 0, 0};
  if (padding.mode() != "same") throw std::invalid_argument("Invalid padding string: '" + padding.mode() + "'");
  if (o.stride()[0] != 1 || o.stride()[1] != 1)
    throw std::invalid_argument("padding='same' is not supported for strided convolutions");
  if (weight.dim() != 4)
    throw std::invalid_argument("conv2d: expected a 4-D weight, but got weight of size " + shape_str(weight.shape()));
  std::vector<std::int64_t> pads;
  for (int d = 0; d < 2; ++d) {
    const std::int64_t total = o.dilation()[static_cast<std::size_t>(d)] * (weight.shape()[static_cast<std::size_t>(2 + d)] - 1);
    pads.push_back(total / 2);
    pads.push_back(total - total / 2);
  }
  return pads;
}

Pool2dParams pool_params(const ExpandingArray<2>& kernel, const ExpandingArray<2>& stride,
                         const ExpandingArray<2>& padding, bool ceil_mode) {
  return Pool2dParams()
      .kernel_size(kernel.vec())
      .stride(stride.vec())
      .padding(padding.vec())
      .ceil_mode(ceil_mode);
}

Pool2dParams max_params(const MaxPool2dFuncOptions& o) {
  return pool_params(o.kernel_size(), o.stride(), o.padding(), o.ceil_mode()).dilation(o.dilation().vec());
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  return tapegrad::conv2d(input, weight, options.bias(),
                          Conv2dParams()
                              .stride(options.stride().vec())
                              .padding(resolve_padding(options.padding(), weight, options))
                              .dilation(options.dilation().vec())
                              .groups(options.groups()));
}

Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return tapegrad::max_pool2d(input, max_params(options));
}

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options) {
  return tapegrad::max_pool2d_with_indices(input, max_params(options));
}

Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options) {
  return tapegrad::avg_pool2d(input, pool_params(options.kernel_size(), options.stride(), options.padding(), options.ceil_mode())
                                         .count_include_pad(options.count_include_pad()));
}

Tensor adaptive_avg_pool2d(const Tensor& input, const ExpandingArray<2>& output_size) {
  return tapegrad::adaptive_avg_pool2d(input, output_size.vec());
}

}  // namespace tapegrad::nn::functional
