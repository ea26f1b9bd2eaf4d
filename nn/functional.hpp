// tapegrad::nn::functional (alias nn::F): the stateless forms of the layers and losses. Modules are
// thin wrappers over these; the logic (validation, formulas, gradients) lives here.
#pragma once

#include <cstdint>
#include <utility>

#include "../core/tensor.hpp"
#include "options/activation.hpp"
#include "options/batchnorm.hpp"
#include "options/conv.hpp"
#include "options/dropout.hpp"
#include "options/embedding.hpp"
#include "options/loss.hpp"
#include "options/normalization.hpp"
#include "options/pooling.hpp"

namespace tapegrad::nn {
namespace functional {

// y = x·Wᵀ + b for x of shape (*, in), W (out, in), b (out) or undefined (functional/linear.cpp).
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});
// Activations (functional/activation.cpp). relu ... log_softmax are core's ops; the others are composed
// of core ops, with PyTorch 1.13's values, gradients (also at the kinks) and NaN/inf behaviour.
Tensor relu(const Tensor& input);
Tensor sigmoid(const Tensor& input);
Tensor tanh(const Tensor& input);
Tensor softmax(const Tensor& input, std::int64_t dim);      // negative dims count from the end
Tensor log_softmax(const Tensor& input, std::int64_t dim);
Tensor leaky_relu(const Tensor& input, const LeakyReLUFuncOptions& options = {});
Tensor elu(const Tensor& input, const ELUFuncOptions& options = {});
Tensor selu(const Tensor& input);
Tensor gelu(const Tensor& input, const GELUFuncOptions& options = {});  // approximate "none" or "tanh"
Tensor silu(const Tensor& input);
Tensor mish(const Tensor& input);
Tensor softplus(const Tensor& input, const SoftplusFuncOptions& options = {});
Tensor hardtanh(const Tensor& input, const HardtanhFuncOptions& options = {});
Tensor relu6(const Tensor& input);
Tensor logsigmoid(const Tensor& input);
Tensor softsign(const Tensor& input);

// embedding (functional/embedding.cpp): int64 indices of any shape -> (*indices.shape, dim); the
// padding_idx row gets no gradient. layer_norm (functional/normalization.cpp) over the trailing
// normalized_shape dims (biased variance).
Tensor embedding(const Tensor& input, const Tensor& weight, const EmbeddingFuncOptions& options = {});
Tensor layer_norm(const Tensor& input, const LayerNormFuncOptions& options);

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


// The losses composed of core ops (PyTorch 1.13's formulas and edge cases; see README).
// l1, smooth_l1 and huber take a target of input's shape (no broadcasting, as mse_loss).
Tensor l1_loss(const Tensor& input, const Tensor& target, const L1LossFuncOptions& options = {});
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1LossFuncOptions& options = {});
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberLossFuncOptions& options = {});
// input holds log-probabilities; target probabilities (or log-probabilities with log_target).
Tensor kl_div(const Tensor& input, const Tensor& target, const KLDivFuncOptions& options = {});
// target holds 1 or -1: max(0, -target·(input1 - input2) + margin).
Tensor margin_ranking_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                           const MarginRankingLossFuncOptions& options = {});
// input (N, D) or (D), target (N) or 0-d of 1 / -1.
Tensor cosine_embedding_loss(const Tensor& input1, const Tensor& input2, const Tensor& target,
                             const CosineEmbeddingLossFuncOptions& options = {});
Tensor poisson_nll_loss(const Tensor& input, const Tensor& target, const PoissonNLLLossFuncOptions& options = {});
// var of input's shape, of input's shape without its last dim, or with a last dim of 1.
Tensor gaussian_nll_loss(const Tensor& input, const Tensor& target, const Tensor& var,
                         const GaussianNLLLossFuncOptions& options = {});

}  // namespace functional

namespace F = functional;

}  // namespace tapegrad::nn

// ---- convolutional networks (functional/conv.cpp, pooling.cpp, batchnorm.cpp, dropout.cpp) ----
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
