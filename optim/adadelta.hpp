// Adadelta with PyTorch 1.13's single-tensor update:
//   g = maximize ? -g : g;  if wd != 0: g += wd·p;   s = ρ·s + (1-ρ)·g²
//   δ = sqrt(acc + eps) / sqrt(s + eps) · g;   acc = ρ·acc + (1-ρ)·δ²;   p -= lr·δ
#pragma once

#include <initializer_list>

#include "../core/arg.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim {

struct AdadeltaOptions : OptimizerCloneableOptions<AdadeltaOptions> {
  explicit AdadeltaOptions(double lr = 1.0) : lr_(lr) {}
  TAPEGRAD_ARG(double, lr);
  TAPEGRAD_ARG(double, rho) = 0.9;
  TAPEGRAD_ARG(double, eps) = 1e-6;
  TAPEGRAD_ARG(double, weight_decay) = 0;
  TAPEGRAD_ARG(bool, maximize) = false;

 public:
  void validate() const override;
  std::vector<std::pair<std::string, Field>> fields() override;
};

class Adadelta : public OptimizerWith<Adadelta, AdadeltaOptions> {
 public:
  using OptimizerWith::OptimizerWith;
  std::string name() const override { return "Adadelta"; }
  std::vector<std::string> state_names(const OptimizerOptions&) const override { return {"square_avg", "acc_delta"}; }
  template <class T> static void kernel(const UpdateArgs<T>& a, const AdadeltaOptions& o);
};

}  // namespace tapegrad::optim
