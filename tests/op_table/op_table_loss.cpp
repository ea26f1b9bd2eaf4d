// Op-table entries of the losses (nn/functional/).
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
namespace F = nn::functional;
}  // namespace

std::vector<OpTableEntry> loss_entries() {
  auto logits = [] { return Inputs{sample({4, 3})}; };
  auto probabilities = [] { return Inputs{sample_in({2, 3}, 0.1, 0.9), sample_in({2, 3}, 0.0, 1.0)}; };
  const Tensor targets = indices({0, 2, 1, 2}, {4});
  const Tensor weight = tensor({0.5, 2.0, 1.0}, kFloat64);
  return {
      {"nll_loss", "mean", logits, [=](const Inputs& x) { return F::nll_loss(x[0], targets); }},
      {"nll_loss", "weight, ignore_index, sum", logits,
       [=](const Inputs& x) {
         return F::nll_loss(x[0], targets, nn::NLLLossOptions().weight(weight).ignore_index(1).reduction(kSum));
       }},
      {"cross_entropy", "class indices", logits, [=](const Inputs& x) { return F::cross_entropy(x[0], targets); }},
      {"cross_entropy", "weight, label_smoothing, ignore_index", logits,
       [=](const Inputs& x) {
         return F::cross_entropy(
             x[0], targets, nn::CrossEntropyLossOptions().weight(weight).label_smoothing(0.2).ignore_index(2));
       }},
      {"cross_entropy", "(N, C, d) input, no reduction", [] { return Inputs{sample({2, 3, 2})}; },
       [](const Inputs& x) {
         return F::cross_entropy(x[0], indices({0, 2, 1, 1}, {2, 2}), nn::CrossEntropyLossOptions().reduction(kNone));
       }},
      {"cross_entropy_probabilities", "weight, label_smoothing",
       [] { return Inputs{sample({4, 3}), sample_in({4, 3}, 0.0, 1.0)}; },
       [=](const Inputs& x) {
         return F::cross_entropy(x[0], x[1], nn::CrossEntropyLossOptions().weight(weight).label_smoothing(0.1));
       }},
      {"binary_cross_entropy", "weight", probabilities,
       [](const Inputs& x) {
         return F::binary_cross_entropy(x[0], x[1], nn::BCELossOptions().weight(tensor({1.0, 0.5, 2.0}, kFloat64)));
       }},
      {"binary_cross_entropy_with_logits", "weight, pos_weight", [] { return Inputs{sample({2, 3}), sample_in({2, 3}, 0.0, 1.0)}; },
       [](const Inputs& x) {
         return F::binary_cross_entropy_with_logits(
             x[0], x[1],
             nn::BCEWithLogitsLossOptions().weight(tensor({1.0, 0.5, 2.0}, kFloat64)).pos_weight(tensor({3.0, 1.0, 0.5}, kFloat64)));
       }},
      {"mse_loss", "mean", [] { return Inputs{sample({2, 3}), sample({2, 3})}; },
       [](const Inputs& x) { return F::mse_loss(x[0], x[1]); }},
      {"mse_loss", "no reduction", [] { return Inputs{sample({2, 3}), sample({2, 3})}; },
       [](const Inputs& x) { return F::mse_loss(x[0], x[1], kNone); }},
  };
}

}  // namespace tapegrad::testing
