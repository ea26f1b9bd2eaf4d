// Stochastic gradient descent with PyTorch 1.13's exact update:
//   d = maximize ? -g : g;  if wd != 0: d += wd·p
//   if momentum != 0: buf = d on a parameter's first step, else buf = momentum·buf + (1-dampening)·d;
//                     d = nesterov ? d + momentum·buf : buf
//   p -= lr·d
#pragma once

#include <initializer_list>

#include "../core/arg.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim {

// libtorch-style options: SGDOptions(0.01).momentum(0.5); each setter has a same-named getter.
struct SGDOptions : OptimizerCloneableOptions<SGDOptions> {
  explicit SGDOptions(double lr) : lr_(lr) {}
  TAPEGRAD_ARG(double, lr);
  TAPEGRAD_ARG(double, momentum) = 0;
  TAPEGRAD_ARG(double, dampening) = 0;
  TAPEGRAD_ARG(double, weight_decay) = 0;
  TAPEGRAD_ARG(bool, nesterov) = false;
  TAPEGRAD_ARG(bool, maximize) = false;

 public:
  void validate() const override;
  std::vector<std::pair<std::string, Field>> fields() override;
};

class SGD : public OptimizerWith<SGD, SGDOptions> {
 public:
  // Validates the options with PyTorch's messages ("Invalid learning rate: -0.1", ...).
  using OptimizerWith::OptimizerWith;

  std::string name() const override { return "SGD"; }
  std::vector<std::string> state_names(const OptimizerOptions&) const override { return {"momentum_buffer"}; }
  // Momentum buffer of parameter `index`; undefined while it has none.
  Tensor momentum_buffer(std::size_t index) const;

  template <class T> static void kernel(const UpdateArgs<T>& a, const SGDOptions& o);

 protected:
  bool keeps_state(const OptimizerOptions& o) const override {
    return static_cast<const SGDOptions&>(o).momentum() != 0;
  }
};

}  // namespace tapegrad::optim
