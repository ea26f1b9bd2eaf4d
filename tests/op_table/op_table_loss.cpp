// Op-table entries of the fused losses (core/ops/*loss*.cpp, cross_entropy.cpp) and their backward ops.
#include "op_table.hpp"

namespace tapegrad::testing {

namespace {
using Inputs = std::vector<Tensor>;
namespace F = nn::functional;

// d loss(x) / dx (weighted by `upstream`) as a function of x, recorded (create_graph): the table checks the
// backward ops it records. gradcheck also evaluates it on plain tensors with grad mode off, so it turns both
// on for the inner gradient.
Tensor gradient_of(const std::function<Tensor(const Tensor&)>& loss, const Tensor& x0, const Tensor& upstream = {}) {
  ModeGuard<GradMode, true> grad_on;
  const Tensor x = x0.requires_grad() ? x0 : x0.detach().requires_grad_(true);
  const std::vector<Tensor> upstreams = upstream.defined() ? std::vector<Tensor>{upstream} : std::vector<Tensor>{};
  return autograd::grad({loss(x)}, {x}, upstreams, std::nullopt, /*create_graph=*/true)[0];
}
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
      // The backward ops: nll_loss_backward directly; cross_entropy_backward (internal) as what the gradient of
      // cross_entropy records under create_graph, with and without a differentiable upstream gradient.
      {"nll_loss_backward", "weight, ignore_index, no reduction", [] { return Inputs{sample({4})}; },
       [=](const Inputs& x) { return nll_loss_backward(x[0], targets, weight, kNone, 1, {4, 3}); }},
      {"nll_loss_backward", "weight, mean", [] { return Inputs{sample({})}; },
       [=](const Inputs& x) { return nll_loss_backward(x[0], targets, weight, kMean, -100, {4, 3}); }},
      {"cross_entropy_backward", "weight, label_smoothing, ignore_index", logits,
       [=](const Inputs& x) {
         return gradient_of(
             [=](const Tensor& v) {
               return F::cross_entropy(v, targets,
                                       nn::CrossEntropyLossOptions().weight(weight).label_smoothing(0.2).ignore_index(2));
             },
             x[0]);
       }},
      {"cross_entropy_backward", "upstream gradient per target", [] { return Inputs{sample({4, 3}), sample({4})}; },
       [=](const Inputs& x) {
         return gradient_of(
             [=](const Tensor& v) { return F::cross_entropy(v, targets, nn::CrossEntropyLossOptions().reduction(kNone)); },
             x[0], x[1]);
       }},
      // Composed of log_softmax, mul and sum (no entry of its own).
      {"cross_entropy_loss", "class probabilities, weight, label_smoothing",
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
