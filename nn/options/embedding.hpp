// Options of Embedding and functional::embedding (libtorch's names).
#pragma once

#include <cstdint>
#include <optional>

#include "../../core/arg.hpp"

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

namespace functional {

struct EmbeddingFuncOptions {
  TAPEGRAD_ARG(std::optional<std::int64_t>, padding_idx) = std::nullopt;
};

}  // namespace functional
}  // namespace tapegrad::nn
