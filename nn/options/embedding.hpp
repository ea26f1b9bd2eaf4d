// Options of Embedding and LayerNorm (libtorch's names; the functional options carry the tensors).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "../../core/arg.hpp"
#include "../../core/tensor.hpp"

namespace tapegrad::nn {

struct EmbeddingOptions {
  EmbeddingOptions(std::int64_t num_embeddings, std::int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  TAPEGRAD_ARG(std::int64_t, num_embeddings);
  TAPEGRAD_ARG(std::int64_t, embedding_dim);
  // The row that stays fixed (no gradient) and starts at zeros; negative counts from the end.
  TAPEGRAD_ARG(std::optional<std::int64_t>, padding_idx) = std::nullopt;
};

struct EmbeddingFromPretrainedOptions {
  TAPEGRAD_ARG(bool, freeze) = true;  // the weight does not require grad
  TAPEGRAD_ARG(std::optional<std::int64_t>, padding_idx) = std::nullopt;
};

struct LayerNormOptions {
  LayerNormOptions(std::vector<std::int64_t> normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  TAPEGRAD_ARG(std::vector<std::int64_t>, normalized_shape);  // the trailing dims normalised over
  TAPEGRAD_ARG(double, eps) = 1e-5;
  TAPEGRAD_ARG(bool, elementwise_affine) = true;  // learnable weight (ones) and bias (zeros)
};

namespace functional {

struct EmbeddingFuncOptions {
  TAPEGRAD_ARG(std::optional<std::int64_t>, padding_idx) = std::nullopt;
};

struct LayerNormFuncOptions {
  LayerNormFuncOptions(std::vector<std::int64_t> normalized_shape) : normalized_shape_(std::move(normalized_shape)) {}  // NOLINT
  TAPEGRAD_ARG(std::vector<std::int64_t>, normalized_shape);
  TAPEGRAD_ARG(Tensor, weight);  // of normalized_shape, or undefined
  TAPEGRAD_ARG(Tensor, bias);
  TAPEGRAD_ARG(double, eps) = 1e-5;
};

}  // namespace functional
}  // namespace tapegrad::nn
