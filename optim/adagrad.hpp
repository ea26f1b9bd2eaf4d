// Adagrad with PyTorch 1.13's single-tensor update (t = the parameter's step count):
//   g = maximize ? -g : g;  if wd != 0: g += wd·p;   clr = lr / (1 + (t-1)·lr_decay)
//   sum += g²;   p -= clr·g / (sqrt(sum) + eps)          (sum starts at initial_accumulator_value)
#pragma once

#include <initializer_list>

#include "../core/arg.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim {

struct AdagradOptions : OptimizerCloneableOptions<AdagradOptions> {
  explicit AdagradOptions(double lr = 1e-2) : lr_(lr) {}
  TAPEGRAD_ARG(double, lr);
  TAPEGRAD_ARG(double, lr_decay) = 0;
  TAPEGRAD_ARG(double, weight_decay) = 0;
  TAPEGRAD_ARG(double, initial_accumulator_value) = 0;
  TAPEGRAD_ARG(double, eps) = 1e-10;
  TAPEGRAD_ARG(bool, maximize) = false;

 public:
  void validate() const override;
  std::vector<std::pair<std::string, Field>> fields() override;
};

class Adagrad : public OptimizerWith<Adagrad, AdagradOptions> {
 public:
  using OptimizerWith::OptimizerWith;
  std::string name() const override { return "Adagrad"; }
  std::vector<std::string> state_names(const OptimizerOptions&) const override { return {"sum"}; }
  template <class T> static void kernel(const UpdateArgs<T>& a, const AdagradOptions& o);

 protected:
  std::vector<Tensor> initial_state(const Tensor& param, const OptimizerOptions& options) const override;
};

}  // namespace tapegrad::optim
