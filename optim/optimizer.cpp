#include "optimizer.hpp"

#include <stdexcept>
#include <string>
#include <unordered_set>

#include "../core/autograd.hpp"

namespace tapegrad::optim {

Optimizer::Optimizer(std::vector<Tensor> params) : params_(std::move(params)) {
  if (params_.empty()) throw std::invalid_argument("optimizer got an empty parameter list");
  std::unordered_set<const TensorImpl*> seen;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor& p = params_[i];
    const std::string where = "optimizer parameter " + std::to_string(i);
    if (!p.defined()) throw std::invalid_argument(where + " is an undefined tensor");
    if (!p.is_floating_point())
      throw std::invalid_argument(where + " has dtype " + dtype_name(p.dtype()) + "; only float tensors can be optimized");
    if (!p.is_leaf()) throw std::invalid_argument(where + ": can't optimize a non-leaf Tensor");
    // The same tensor twice would be updated twice per step.
    if (!seen.insert(p.impl()).second) throw std::invalid_argument(where + " appears more than once in the list");
  }
  state_.resize(params_.size());
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& p : params_) {
    if (set_to_none) p.set_grad(Tensor());
    else p.zero_grad();
  }
}

void Optimizer::step() {
  NoGradGuard no_grad;
  update();
}

const OptimizerParamState* Optimizer::state(std::size_t index) const { return state_.at(index).get(); }

}  // namespace tapegrad::optim
