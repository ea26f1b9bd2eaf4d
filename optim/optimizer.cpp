#include "optimizer.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "../core/autograd.hpp"

namespace tapegrad::optim {

std::string number_text(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string float_text(double v) {
  std::string s = number_text(v);
  if (std::isfinite(v) && s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

OptimizerParamGroup::OptimizerParamGroup(const OptimizerParamGroup& other)
    : params_(other.params_), options_(other.options_ ? other.options_->clone() : nullptr), initial_lr_(other.initial_lr_) {}

OptimizerParamGroup& OptimizerParamGroup::operator=(const OptimizerParamGroup& other) {
  if (this != &other) *this = OptimizerParamGroup(other);
  return *this;
}

OptimizerOptions& OptimizerParamGroup::options() {
  if (!options_) throw std::runtime_error("this parameter group has no options of its own");
  return *options_;
}
const OptimizerOptions& OptimizerParamGroup::options() const {
  return const_cast<OptimizerParamGroup*>(this)->options();
}

Optimizer::Optimizer(std::vector<OptimizerParamGroup> groups, std::unique_ptr<OptimizerOptions> defaults)
    : defaults_(std::move(defaults)) {
  defaults_->validate();
  std::size_t total = 0;
  for (const auto& g : groups) total += g.params().size();
  if (total == 0) throw std::invalid_argument("optimizer got an empty parameter list");
  for (const auto& g : groups) add_param_group(g);
}

void Optimizer::add_param_group(const OptimizerParamGroup& group) {
  OptimizerParamGroup g(group);
  if (!g.has_options()) g.set_options(defaults_->clone());
  g.options().validate();
  std::unordered_set<const TensorImpl*> seen;
  const auto existing = parameters();
  for (const Tensor& p : existing) seen.insert(p.impl());
  for (std::size_t i = 0; i < g.params().size(); ++i) {
    const Tensor& p = g.params()[i];
    const std::string where = "optimizer parameter " + std::to_string(existing.size() + i);
    if (!p.defined()) throw std::invalid_argument(where + " is an undefined tensor");
    if (!p.is_floating_point())
      throw std::invalid_argument(where + " has dtype " + dtype_name(p.dtype()) + "; only float tensors can be optimized");
    if (!p.is_leaf()) throw std::invalid_argument(where + ": can't optimize a non-leaf Tensor");
    // The same tensor twice would be updated twice per step.
    if (!seen.insert(p.impl()).second)
      throw std::invalid_argument(i < g.params().size() && groups_.empty()
                                      ? where + " appears more than once in the list"
                                      : where + " appears more than once: some parameters appear in more than one parameter group");
  }
  state_.resize(state_.size() + g.params().size());
  groups_.push_back(std::move(g));
}

std::vector<Tensor> Optimizer::parameters() const {
  std::vector<Tensor> out;
  for (const auto& g : groups_) out.insert(out.end(), g.params().begin(), g.params().end());
  return out;
}

double Optimizer::lr() const { return groups_.at(0).options().get_lr(); }

void Optimizer::set_lr(double lr) {
  for (auto& g : groups_) {  // validate on a copy first: all groups or none
    auto copy = g.options().clone();
    copy->set_lr(lr);
    copy->validate();
  }
  for (auto& g : groups_) g.options().set_lr(lr);
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) {
    if (set_to_none) p.set_grad(Tensor());
    else p.zero_grad();
  }
}

const OptimizerParamState* Optimizer::state(std::size_t index) const { return state_.at(index).get(); }

std::vector<Tensor> Optimizer::initial_state(const Tensor& param, const OptimizerOptions& options) const {
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < state_names(options).size(); ++i) out.push_back(zeros(param.shape(), param.dtype()));
  return out;
}

void Optimizer::check_state_count(std::size_t index, std::size_t have, const std::vector<std::string>& needed) const {
  const std::string where = name() + ": parameter " + std::to_string(index);
  // Options that add state (momentum, centered, amsgrad) turned on after the state was made: the
  // kernel would read a missing buffer (PyTorch: KeyError 'momentum_buffer').
  if (have < needed.size())
    throw std::runtime_error(where + " has no '" + needed[have] +
                             "' state: its options changed after its state was created (an option that "
                             "needs more state, such as momentum, centered or amsgrad, was turned on)");
  // Turned off: the state is kept by position, so the kernel could read one buffer as another
  // (RMSprop's momentum_buffer as grad_avg once momentum is 0).
  if (have > needed.size())
    throw std::runtime_error(where + " has " + std::to_string(have) + " state tensors but its options use " +
                             std::to_string(needed.size()) + ": its options changed after its state was created (an "
                             "option that needs state, such as momentum, centered or amsgrad, was turned off)");
}

void Optimizer::step() {
  NoGradGuard no_grad;
  std::vector<Tensor> no_state;  // stays empty: the state of parameters that keep none
  std::size_t index = 0;
  for (auto& group : groups_) {
    const OptimizerOptions& options = group.options();
    const bool keeps = keeps_state(options);
    // The state the group's options need now, asked once per group (not per parameter and step).
    const std::vector<std::string> needed = keeps ? state_names(options) : std::vector<std::string>{};
    for (Tensor& p : group.params()) {
      const std::size_t i = index++;
      const Tensor g = p.grad();
      if (!g.defined()) continue;  // no gradient: skipped, and no state
      if (g.shape() != p.shape() || g.dtype() != p.dtype())
        throw std::runtime_error(name() + ": parameter " + std::to_string(i) + " (" + dtype_name(p.dtype()) +
                                 shape_str(p.shape()) + ") has a gradient of " + dtype_name(g.dtype()) +
                                 shape_str(g.shape()));
      auto& slot = state_[i];
      std::int64_t step = 1;
      if (keeps) {
        if (!slot) {
          slot = std::make_unique<OptimizerParamState>();
          slot->tensors = initial_state(p, options);
        }
        check_state_count(i, slot->tensors.size(), needed);
        step = ++slot->step;
      }
      // The kernel sees the state its options name; none where the group keeps none (SGD whose
      // momentum was set to 0 keeps its old buffer, unread).
      std::vector<Tensor>& tensors = keeps ? slot->tensors : no_state;
      // Module::to(dtype) swaps a parameter's storage under the optimizer: say so instead of
      // reading state of the wrong type.
      for (const Tensor& t : tensors)
        if (t.dtype() != p.dtype() || t.shape() != p.shape())
          throw std::runtime_error(name() + ": parameter " + std::to_string(i) + " changed dtype or shape since its "
                                   "state was created; create the optimizer after Module::to()");
      dispatch_floating(p.dtype(), name().c_str(), [&](auto tag) {
        using T = decltype(tag);
        std::vector<T*> slots;
        slots.reserve(tensors.size());
        for (Tensor& t : tensors) slots.push_back(t.data<T>());
        update(UpdateArgs<T>{p.data<T>(), g.data<T>(), slots, p.numel(), step}, options);
      });
      p.bump_version();  // an in-place write: values saved for backward before it are now stale
    }
  }
}

}  // namespace tapegrad::optim
