// RMSprop with PyTorch 1.13's single-tensor update:
//   g = maximize ? -g : g;  if wd != 0: g += wd·p;   s = α·s + (1-α)·g²
//   centered: ḡ = α·ḡ + (1-α)·g, avg = sqrt(s - ḡ²) + eps;  else avg = sqrt(s) + eps
//   momentum > 0: b = momentum·b + g/avg, p -= lr·b;   else p -= lr·g/avg
#pragma once

#include <initializer_list>

#include "../core/arg.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim {

struct RMSpropOptions : OptimizerCloneableOptions<RMSpropOptions> {
  explicit RMSpropOptions(double lr = 1e-2) : lr_(lr) {}
  TAPEGRAD_ARG(double, lr);
  TAPEGRAD_ARG(double, alpha) = 0.99;
  TAPEGRAD_ARG(double, eps) = 1e-8;
  TAPEGRAD_ARG(double, weight_decay) = 0;
  TAPEGRAD_ARG(double, momentum) = 0;
  TAPEGRAD_ARG(bool, centered) = false;
  TAPEGRAD_ARG(bool, maximize) = false;

 public:
  void validate() const override;
  std::vector<std::pair<std::string, Field>> fields() override;
};

class RMSprop : public OptimizerWith<RMSprop, RMSpropOptions> {
 public:
  using OptimizerWith::OptimizerWith;
  std::string name() const override { return "RMSprop"; }
  // square_avg, then momentum_buffer (momentum > 0), then grad_avg (centered).
  std::vector<std::string> state_names(const OptimizerOptions& o) const override;
  template <class T> static void kernel(const UpdateArgs<T>& a, const RMSpropOptions& o);
};

}  // namespace tapegrad::optim
