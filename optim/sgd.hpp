// Stochastic gradient descent with PyTorch 1.13's exact update:
//   d = maximize ? -g : g;  if wd != 0: d += wd·p
//   if momentum != 0: buf = d on a parameter's first step, else buf = momentum·buf + (1-dampening)·d;
//                     d = nesterov ? d + momentum·buf : buf
//   p -= lr·d
#pragma once

#include <cstddef>

#include "../core/arg.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim {

// libtorch-style options: SGDOptions(0.01).momentum(0.5); each setter has a same-named getter.
struct SGDOptions {
  explicit SGDOptions(double lr) : lr_(lr) {}
  TAPEGRAD_ARG(double, lr);
  TAPEGRAD_ARG(double, momentum) = 0;
  TAPEGRAD_ARG(double, dampening) = 0;
  TAPEGRAD_ARG(double, weight_decay) = 0;
  TAPEGRAD_ARG(bool, nesterov) = false;
  TAPEGRAD_ARG(bool, maximize) = false;
};

// The momentum buffer, allocated once on a parameter's first step with momentum != 0.
struct SGDParamState : OptimizerParamState {
  Tensor momentum_buffer;
};

class SGD : public Optimizer {
 public:
  // Validates the options with PyTorch's messages ("Invalid learning rate: -0.1", ...).
  SGD(std::vector<Tensor> params, const SGDOptions& options);

  const SGDOptions& options() const { return options_; }
  double lr() const override { return options_.lr(); }
  void set_lr(double lr) override;  // validated like the constructor's lr
  // Momentum buffer of parameter `index`; undefined while it has none.
  Tensor momentum_buffer(std::size_t index) const;

 protected:
  void update() override;

 private:
  SGDOptions options_;
};

}  // namespace tapegrad::optim
