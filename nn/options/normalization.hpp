// Options of LayerNorm and functional::layer_norm (libtorch's names; the functional options carry the
// tensors).
#pragma once

#include <cstdint>
#include <vector>

#include "../../core/arg.hpp"
#include "../../core/tensor.hpp"

namespace tapegrad::nn {

struct LayerNormOptions {
  LayerNormOptions(std::vector<std::int64_t> normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  TAPEGRAD_ARG(std::vector<std::int64_t>, normalized_shape);  // the trailing dims normalised over
  TAPEGRAD_ARG(double, eps) = 1e-5;
  TAPEGRAD_ARG(bool, elementwise_affine) = true;  // learnable weight (ones) and bias (zeros)
};

namespace functional {

struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<std::int64_t> normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  TAPEGRAD_ARG(std::vector<std::int64_t>, normalized_shape);
  TAPEGRAD_ARG(Tensor, weight);  // of normalized_shape, or undefined
  TAPEGRAD_ARG(Tensor, bias);
  TAPEGRAD_ARG(double, eps) = 1e-5;
};

}  // namespace functional
}  // namespace tapegrad::nn
