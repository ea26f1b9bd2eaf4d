#include "loss.hpp"

#include <utility>

#include "../../core/autograd.hpp"
#include "../functional.hpp"

namespace tapegrad::nn {

namespace {
std::string reduction_field(Reduction reduction) { return std::string("reduction=") + reduction_name(reduction); }
// The options with their tensors (class weights) copied, so a clone shares nothing with the original.
template <class Options> Options with_copied_weights(Options o) {
  NoGradGuard no_grad;
  if (o.weight().defined()) o.weight(o.weight().detach().clone());
  if constexpr (requires { o.pos_weight(); })
    if (o.pos_weight().defined()) o.pos_weight(o.pos_weight().detach().clone());
  return o;
}
}  // namespace

NLLLoss::NLLLoss(NLLLossOptions opts) : options(std::move(opts)) { register_buffer("weight", options.weight()); }
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::nll_loss(input, target, options);
}
std::shared_ptr<Module> NLLLoss::clone() const { return clone_as<NLLLoss>(with_copied_weights(options)); }
std::string NLLLoss::repr() const {
  return "NLLLoss(ignore_index=" + std::to_string(options.ignore_index()) + ", " + reduction_field(options.reduction()) + ")";
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyLossOptions opts) : options(std::move(opts)) {
  register_buffer("weight", options.weight());
}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::cross_entropy(input, target, options);
}
std::shared_ptr<Module> CrossEntropyLoss::clone() const { return clone_as<CrossEntropyLoss>(with_copied_weights(options)); }
std::string CrossEntropyLoss::repr() const {
  return "CrossEntropyLoss(ignore_index=" + std::to_string(options.ignore_index()) + ", " +
         reduction_field(options.reduction()) + ", label_smoothing=" + std::to_string(options.label_smoothing()) + ")";
}

BCELoss::BCELoss(BCELossOptions opts) : options(std::move(opts)) { register_buffer("weight", options.weight()); }
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::binary_cross_entropy(input, target, options);
}
std::shared_ptr<Module> BCELoss::clone() const { return clone_as<BCELoss>(with_copied_weights(options)); }
std::string BCELoss::repr() const { return "BCELoss(" + reduction_field(options.reduction()) + ")"; }

BCEWithLogitsLoss::BCEWithLogitsLoss(BCEWithLogitsLossOptions opts) : options(std::move(opts)) {
  register_buffer("weight", options.weight());
  register_buffer("pos_weight", options.pos_weight());
}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::binary_cross_entropy_with_logits(input, target, options);
}
std::shared_ptr<Module> BCEWithLogitsLoss::clone() const { return clone_as<BCEWithLogitsLoss>(with_copied_weights(options)); }
std::string BCEWithLogitsLoss::repr() const { return "BCEWithLogitsLoss(" + reduction_field(options.reduction()) + ")"; }

MSELoss::MSELoss(MSELossOptions opts) : options(std::move(opts)) {}
Tensor MSELoss::forward(const Tensor& input, const Tensor& target) const {
  return functional::mse_loss(input, target, options);
}
std::shared_ptr<Module> MSELoss::clone() const { return clone_as<MSELoss>(options); }
std::string MSELoss::repr() const { return "MSELoss(" + reduction_field(options.reduction()) + ")"; }

}  // namespace tapegrad::nn
