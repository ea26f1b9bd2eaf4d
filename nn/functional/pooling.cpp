// The 2-D poolings: libtorch's options resolved into core's explicit geometry.
#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

namespace {

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
