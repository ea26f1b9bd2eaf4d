// libtorch's F:: fused losses: options resolved, then core's ops (core/ops/*loss*.cpp, cross_entropy.cpp).
#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn::functional {

Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options) {
  return tapegrad::nll_loss(input, target, options.weight(), options.reduction(), options.ignore_index());
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options) {
  return cross_entropy_loss(input, target, options.weight(), options.reduction(), options.ignore_index(),
                            options.label_smoothing());
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BinaryCrossEntropyFuncOptions& options) {
  return tapegrad::binary_cross_entropy(input, target, options.weight(), options.reduction());
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options) {
  return tapegrad::binary_cross_entropy_with_logits(input, target, options.weight(), options.pos_weight(),
                                                    options.reduction());
}

Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options) {
  return tapegrad::mse_loss(input, target, options.reduction());
}

}  // namespace tapegrad::nn::functional
