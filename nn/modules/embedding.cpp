#include "embedding.hpp"

#include <stdexcept>

#include "../../core/autograd.hpp"
#include "../../core/random.hpp"
#include "../functional.hpp"

namespace tapegrad::nn {

Embedding::Embedding(const EmbeddingOptions& options_) : options(options_) {
  const std::int64_t n = options.num_embeddings();
  if (n < 0 || options.embedding_dim() < 0)
    throw std::invalid_argument("Embedding: num_embeddings and embedding_dim must be >= 0");
  if (options.padding_idx()) {
    const std::int64_t pad = *options.padding_idx();
    if (pad >= n || pad < -n) throw std::invalid_argument("Embedding: Padding_idx must be within num_embeddings");
    options.padding_idx(pad < 0 ? pad + n : pad);
  }
  weight = register_parameter("weight", empty({n, options.embedding_dim()}));
  reset_parameters();
}

void Embedding::reset_parameters() {
  NoGradGuard no_grad;
  weight.copy_(randn(weight.shape(), weight.dtype()));
  if (options.padding_idx()) {
    const std::int64_t d = options.embedding_dim();
    dispatch(weight.dtype(), [&](auto tag) {
      using T = decltype(tag);
      std::fill_n(weight.data<T>() + *options.padding_idx() * d, d, T{0});
    });
  }
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  if (!embeddings.defined() || embeddings.dim() != 2)
    throw std::invalid_argument("Embeddings parameter is expected to be 2-dimensional");
  Embedding e(EmbeddingOptions(embeddings.size(0), embeddings.size(1)).padding_idx(options.padding_idx()));
  NoGradGuard no_grad;
  e.weight.set_data(embeddings.detach().clone());  // the given rows as they are (padding row included)
  e.weight.requires_grad_(!options.freeze());
  return e;
}

Tensor Embedding::forward(const Tensor& input) const {
  return functional::embedding(input, weight, functional::EmbeddingFuncOptions().padding_idx(options.padding_idx()));
}

std::string Embedding::repr() const {
  std::string s = "Embedding(" + std::to_string(options.num_embeddings()) + ", " + std::to_string(options.embedding_dim());
  if (options.padding_idx()) s += ", padding_idx=" + std::to_string(*options.padding_idx());
  return s + ")";
}

}  // namespace tapegrad::nn
