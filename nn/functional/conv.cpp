// conv2d: libtorch's options resolved into core's explicit geometry.
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

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options) {
  return tapegrad::conv2d(input, weight, options.bias(),
                          Conv2dParams()
                              .stride(options.stride().vec())
                              .padding(resolve_padding(options.padding(), weight, options))
                              .dilation(options.dilation().vec())
                              .groups(options.groups()));
}

}  // namespace tapegrad::nn::functional
