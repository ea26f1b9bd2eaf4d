// Embedding: a lookup table of learnable rows.
#pragma once

#include <memory>
#include <string>

#include "../module.hpp"
#include "../options/embedding.hpp"

namespace tapegrad::nn {

// A lookup table: int64 indices of any shape -> (*shape, embedding_dim). Initialised N(0, 1), the
// padding_idx row zeroed.
class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim) : Embedding(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  explicit Embedding(const EmbeddingOptions& options_);
  // An Embedding holding a copy of `embeddings` (2-D); frozen (no grad) unless options.freeze(false).
  static Embedding from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options = {});

  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  void reset_parameters();
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override { return clone_as<Embedding>(options); }

  Tensor weight;  // (num_embeddings, embedding_dim)
  EmbeddingOptions options;
};

}  // namespace tapegrad::nn
