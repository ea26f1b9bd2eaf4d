// Adam and AdamW with PyTorch 1.13's single-tensor update (step counted per parameter, t = its count):
//   g = maximize ? -g : g;   Adam: if wd != 0: g += wd·p        AdamW: p *= 1 - lr·wd
//   m = β1·m + (1-β1)·g;  v = β2·v + (1-β2)·g²;  amsgrad: v_max = max(v_max, v), used instead of v
//   p += -(lr / (1-β1^t)) · m / (sqrt(v) / sqrt(1-β2^t) + eps)
#pragma once

#include <initializer_list>
#include <tuple>

#include "../core/arg.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim {

using AdamBetas = std::tuple<double, double>;

// The fields and overrides Adam and AdamW share (one list, so setters return the concrete struct).
#define TAPEGRAD_ADAM_OPTIONS_BODY(default_weight_decay)                                                   \
  TAPEGRAD_ARG(double, lr);                                                                                 \
  TAPEGRAD_ARG(AdamBetas, betas) = std::make_tuple(0.9, 0.999);              \
  TAPEGRAD_ARG(double, eps) = 1e-8;                                                                         \
  TAPEGRAD_ARG(double, weight_decay) = default_weight_decay;                                                \
  TAPEGRAD_ARG(bool, amsgrad) = false;                                                                      \
  TAPEGRAD_ARG(bool, maximize) = false;                                                                     \
                                                                                                            \
 public:                                                                                                    \
  void validate() const override { validate_adam_options(*this); }                                         \
  std::vector<std::pair<std::string, Field>> fields() override {                                            \
    return {{"lr", &lr()}, {"beta1", &std::get<0>(betas())}, {"beta2", &std::get<1>(betas())},              \
            {"eps", &eps()}, {"weight_decay", &weight_decay()}, {"amsgrad", &amsgrad()},                    \
            {"maximize", &maximize()}};                                                                     \
  }

struct AdamOptions;
struct AdamWOptions;
void validate_adam_options(const AdamOptions& o);
void validate_adam_options(const AdamWOptions& o);

struct AdamOptions : OptimizerCloneableOptions<AdamOptions> {
  explicit AdamOptions(double lr = 1e-3) : lr_(lr) {}
  TAPEGRAD_ADAM_OPTIONS_BODY(0)
};
// AdamW's defaults differ in weight_decay only (0.01).
struct AdamWOptions : OptimizerCloneableOptions<AdamWOptions> {
  explicit AdamWOptions(double lr = 1e-3) : lr_(lr) {}
  TAPEGRAD_ADAM_OPTIONS_BODY(1e-2)
};

class Adam : public OptimizerWith<Adam, AdamOptions> {
 public:
  using OptimizerWith::OptimizerWith;
  std::string name() const override { return "Adam"; }
  std::vector<std::string> state_names(const OptimizerOptions& o) const override;
  template <class T> static void kernel(const UpdateArgs<T>& a, const AdamOptions& o);
};

class AdamW : public OptimizerWith<AdamW, AdamWOptions> {
 public:
  using OptimizerWith::OptimizerWith;
  std::string name() const override { return "AdamW"; }
  std::vector<std::string> state_names(const OptimizerOptions& o) const override;
  template <class T> static void kernel(const UpdateArgs<T>& a, const AdamWOptions& o);
};

}  // namespace tapegrad::optim
