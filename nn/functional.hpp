// tapegrad::nn::functional (alias nn::F): the stateless forms of the layers and losses. Modules are
// thin wrappers over these; the logic (validation, formulas, gradients) lives here.
#pragma once

#include <cstdint>

#include "../core/tensor.hpp"
#include <utility>

#include "options/conv.hpp"
#include "options/loss.hpp"
#include "options/normalization.hpp"

namespace tapegrad::nn {
namespace functional {

// y = x·Wᵀ + b for x of shape (*, in), W (out, in), b (out) or undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
Tensor relu(const Tensor& input);
Tensor sigmoid(const Tensor& input);
Tensor tanh(const Tensor& input);
Tensor softmax(const Tensor& input, std::int64_t dim);      // negative dims count from the end
Tensor log_softmax(const Tensor& input, std::int64_t dim);

// Losses. Inputs with classes: (N, C), (N, C, d1..dk) or unbatched (C); the class dim is 1 (0 when
// unbatched). Class-index targets are int64 of shape (N), (N, d1..dk) or 0-d. kNone keeps the
// target's shape; kMean divides by the loss's normaliser (see each definition).

// input holds log-probabilities. mean divides by Σ w[t] over the targets not ignored.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NLLLossFuncOptions& options = {});
// Class indices (int64 target) or class probabilities (floating target of input's shape).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyFuncOptions& options = {});
// input holds probabilities in [0, 1]; target has input's shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target,
                            const BinaryCrossEntropyFuncOptions& options = {});
// input holds logits; numerically stable for any magnitude.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BinaryCrossEntropyWithLogitsFuncOptions& options = {});
// Squared error. Unlike PyTorch (which warns and broadcasts), target must have input's shape:
// a broadcast there is almost always a bug ((N,1) against (N)), so tapegrad rejects it.
Tensor mse_loss(const Tensor& input, const Tensor& target, const MSELossFuncOptions& options = {});

}  // namespace functional

namespace F = functional;

}  // namespace tapegrad::nn

// ---- convolutional networks (nn/functional/conv.cpp, normalization.cpp) ----
namespace tapegrad::nn::functional {

// input (N, C, H, W) or (C, H, W); weight (out, C / groups, kH, kW); options.bias() (out) or undefined.
Tensor conv2d(const Tensor& input, const Tensor& weight, const Conv2dFuncOptions& options = {});
Tensor max_pool2d(const Tensor& input, const MaxPool2dFuncOptions& options);
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const MaxPool2dFuncOptions& options);
Tensor avg_pool2d(const Tensor& input, const AvgPool2dFuncOptions& options);
Tensor adaptive_avg_pool2d(const Tensor& input, const ExpandingArray<2>& output_size);
// Normalises over every dim but 1 (channels). Training: batch statistics (biased variance) and, when
// running_mean / running_var are defined, updates them in place (unbiased variance) with momentum.
// Eval: uses the running statistics.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const BatchNormFuncOptions& options = {});
// Zeroes each element with probability p and scales the rest by 1 / (1 - p); identity when not training.
Tensor dropout(const Tensor& input, const DropoutFuncOptions& options = {});
// Zeroes whole channels of (N, C, H, W) or (C, H, W) input.
Tensor dropout2d(const Tensor& input, const DropoutFuncOptions& options = {});

}  // namespace tapegrad::nn::functional
