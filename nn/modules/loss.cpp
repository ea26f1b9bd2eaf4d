#include "loss.hpp"

#include <utility>

#include "../functional.hpp"

namespace tapegrad::nn {

namespace {
std::string reduction_field(Reduction reduction) { return std::string("reduction=") + reduction_name(reduction); }
}  // namespace

NLLLoss::NLLLoss(NLLLossOptions opts) : options(std::move(opts)) { register_buffer("weight", options.weight()); }
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::nll_loss(input, target, options);
}
std::string NLLLoss::repr() const {
  return "NLLLoss(ignore_index=" + std::to_string(options.ignore_index()) + ", " + reduction_field(options.reduction()) + ")";
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyLossOptions opts) : options(std::move(opts)) {
  register_buffer("weight", options.weight());
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::cross_entropy(input, target, options);
}
std::string CrossEntropyLoss::repr() const {
  return "CrossEntropyLoss(ignore_index=" + std::to_string(options.ignore_index()) + ", " +
         reduction_field(options.reduction()) + ", label_smoothing=" + std::to_string(options.label_smoothing()) + ")";
}

BCELoss::BCELoss(BCELossOptions opts) : options(std::move(opts)) { register_buffer("weight", options.weight()); }
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::binary_cross_entropy(input, target, options);
}
std::string BCELoss::repr() const { return "BCELoss(" + reduction_field(options.reduction()) + ")"; }

BCEWithLogitsLoss::BCEWithLogitsLoss(BCEWithLogitsLossOptions opts) : options(std::move(opts)) {
  register_buffer("weight", options.weight());
  register_buffer("pos_weight", options.pos_weight());
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::binary_cross_entropy_with_logits(input, target, options);
}
std::string BCEWithLogitsLoss::repr() const { return "BCEWithLogitsLoss(" + reduction_field(options.reduction()) + ")"; }

MSELoss::MSELoss(MSELossOptions opts) : options(std::move(opts)) {}
Tensor MSELoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::mse_loss(input, target, options);
}
std::string MSELoss::repr() const { return "MSELoss(" + reduction_field(options.reduction()) + ")"; }

}  // namespace tapegrad::nn
