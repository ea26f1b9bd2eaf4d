// Op-table entries of the losses composed of core ops (nn/functional/) and of two layers (embedding, layer_norm).
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
namespace F = nn::functional;
}  // namespace

std::vector<OpTableEntry> composed_loss_entries() {
  auto pair = [] { return Inputs{sample({2, 3}), sample({2, 3})}; };
  auto ranking = [] { return Inputs{sample({5}), sample({5}), tensor({1.0, -1.0, 1.0, -1.0, 1.0}, kFloat64)}; };
  return {
      {"l1_loss", "sum", pair, [](const Inputs& x) { return F::l1_loss(x[0], x[1], kSum); }},
      {"smooth_l1_loss", "beta 0.5, none", pair,
       [](const Inputs& x) { return F::smooth_l1_loss(x[0], x[1], F::SmoothL1LossFuncOptions().beta(0.5).reduction(kNone)); }},
      {"huber_loss", "delta 0.7", pair, [](const Inputs& x) { return F::huber_loss(x[0], x[1], F::HuberLossFuncOptions().delta(0.7)); }},
      {"kl_div", "batchmean", [] { return Inputs{sample({3, 4}), sample_in({3, 4}, 0.1, 1.0)}; },
       [](const Inputs& x) { return F::kl_div(x[0], x[1], F::KLDivFuncOptions().reduction(kBatchMean)); }},
      {"kl_div", "log_target, none", [] { return Inputs{sample({3, 4}), sample({3, 4})}; },
       [](const Inputs& x) { return F::kl_div(x[0], x[1], F::KLDivFuncOptions().reduction(kNone).log_target(true)); }},
      {"margin_ranking_loss", "margin 0.3", ranking,
       [](const Inputs& x) { return F::margin_ranking_loss(x[0], x[1], x[2], F::MarginRankingLossFuncOptions().margin(0.3)); }},
      {"cosine_embedding_loss", "margin -0.2, none", [] { return Inputs{sample({3, 4}), sample({3, 4})}; },
       [](const Inputs& x) {
         return F::cosine_embedding_loss(x[0], x[1], tensor({1.0, -1.0, -1.0}, kFloat64),
                                         F::CosineEmbeddingLossFuncOptions().margin(-0.2).reduction(kNone));
       }},
      {"poisson_nll_loss", "log_input, full", [] { return Inputs{sample({2, 3}), sample_in({2, 3}, 0.0, 4.0)}; },
       [](const Inputs& x) { return F::poisson_nll_loss(x[0], x[1], F::PoissonNLLLossFuncOptions().full(true)); }},
      {"poisson_nll_loss", "rate input", [] { return Inputs{sample_in({2, 3}, 0.5, 2.0), sample_in({2, 3}, 0.0, 4.0)}; },
       [](const Inputs& x) { return F::poisson_nll_loss(x[0], x[1], F::PoissonNLLLossFuncOptions().log_input(false)); }},
      {"gaussian_nll_loss", "full, one variance per sample",
       [] { return Inputs{sample({4, 2}), sample({4, 2}), sample_in({4}, 0.5, 2.0)}; },
       [](const Inputs& x) { return F::gaussian_nll_loss(x[0], x[1], x[2], F::GaussianNLLLossFuncOptions().full(true)); }},
      // Without padding_idx: the padding row's zero gradient is by design, not the derivative gradcheck
      // measures (the PyTorch reference test covers it).
      {"embedding", "repeated indices", [] { return Inputs{sample({4, 3})}; },
       [](const Inputs& x) { return F::embedding(indices({0, 1, 3, 1, 2, 0}, {2, 3}), x[0]); }},
      {"layer_norm", "affine over the last two dims", [] { return Inputs{sample({2, 3, 4}), sample({3, 4}), sample({3, 4})}; },
       [](const Inputs& x) { return F::layer_norm(x[0], F::LayerNormFuncOptions({3, 4}).weight(x[1]).bias(x[2])); }},
  };
}

}  // namespace tapegrad::testing
