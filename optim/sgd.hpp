// Stochastic gradient descent with PyTorch 1.13's exact update:
//   d = maximize ? -g : g;  if wd != 0: d += wd·p
//   if momentum != 0: buf = d on a parameter's first step, else buf = momentum·buf + (1-dampening)·d;
//                     d = nesterov ? d + momentum·buf : buf
//   p -= lr·d
#pragma once

#include <cstddef>

#include "optimizer.hpp"

namespace tapegrad::optim {

// libtorch-style options: SGDOptions(0.01).momentum(0.5); each setter has a same-named getter.
class SGDOptions {
 public:
  explicit SGDOptions(double lr) : lr_(lr) {}
  SGDOptions& lr(double v) { lr_ = v; return *this; }
  SGDOptions& momentum(double v) { momentum_ = v; return *this; }
  SGDOptions& dampening(double v) { dampening_ = v; return *this; }
  SGDOptions& weight_decay(double v) { weight_decay_ = v; return *this; }
  SGDOptions& nesterov(bool v) { nesterov_ = v; return *this; }
  SGDOptions& maximize(bool v) { maximize_ = v; return *this; }
  double lr() const { return lr_; }
  double momentum() const { return momentum_; }
  double dampening() const { return dampening_; }
  double weight_decay() const { return weight_decay_; }
  bool nesterov() const { return nesterov_; }
  bool maximize() const { return maximize_; }

 private:
  double lr_;
  double momentum_ = 0;
  double dampening_ = 0;
  double weight_decay_ = 0;
  bool nesterov_ = false;
  bool maximize_ = false;
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
