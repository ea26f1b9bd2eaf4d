// Optimizer: the base of every optimizer. Holds handles to the parameters it updates (the same
// tensors the model holds, so an update is visible through the model) and per-parameter state.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "../core/tensor.hpp"

namespace tapegrad::optim {

// What an optimizer remembers about one parameter between steps (SGD: its momentum buffer).
struct OptimizerParamState {
  virtual ~OptimizerParamState() = default;
};

class Optimizer {
 public:
  // Rejects an empty list, undefined, integer, non-leaf and repeated tensors.
  explicit Optimizer(std::vector<Tensor> params);
  virtual ~Optimizer() = default;
  // Non-copyable: a copy would share the parameters but not the state, and step them twice.
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  Optimizer(Optimizer&&) = default;
  Optimizer& operator=(Optimizer&&) = default;

  // Resets every parameter's .grad: to undefined by default (libtorch's set_to_none = true: the next
  // backward hands its fresh gradient buffers over without a copy or a zero fill), or to zeros in
  // place, keeping the buffers (PyTorch 1.13's default).
  void zero_grad(bool set_to_none = true);
  // One update of every parameter that has a gradient; runs with grad mode off.
  void step();

  // The learning rate, readable and changeable between steps (for schedules).
  virtual double lr() const = 0;
  virtual void set_lr(double lr) = 0;

  const std::vector<Tensor>& parameters() const { return params_; }
  // State of parameter `index`, or null while it has none (e.g. it never had a gradient).
  const OptimizerParamState* state(std::size_t index) const;

 protected:
  // The update itself; step() calls it under NoGradGuard.
  virtual void update() = 0;
  std::unique_ptr<OptimizerParamState>& mutable_state(std::size_t index) { return state_.at(index); }

 private:
  std::vector<Tensor> params_;
  std::vector<std::unique_ptr<OptimizerParamState>> state_;  // one slot per parameter
};

}  // namespace tapegrad::optim
