// OneCycleLR (PyTorch 1.13): warm up from max_lr/div_factor to max_lr over pct_start of total_steps,
// then anneal (cos or linear) to initial_lr/final_div_factor; with cycle_momentum (the default) the
// momentum (SGD, RMSprop) or beta1 (Adam, AdamW) moves the opposite way between base_momentum and
// max_momentum. Stepped once per batch.
#pragma once

#include <string>
#include <vector>

#include "../../core/arg.hpp"
#include "lr_scheduler.hpp"

namespace tapegrad::optim {

struct OneCycleLROptions {
  // One max_lr for every group, or one per group.
  OneCycleLROptions(std::vector<double> max_lr, std::int64_t total_steps) : max_lr_(std::move(max_lr)), total_steps_(total_steps) {}
  OneCycleLROptions(double max_lr, std::int64_t total_steps) : max_lr_{max_lr}, total_steps_(total_steps) {}
  TAPEGRAD_ARG(std::vector<double>, max_lr);
  TAPEGRAD_ARG(std::int64_t, total_steps);
  TAPEGRAD_ARG(double, pct_start) = 0.3;
  TAPEGRAD_ARG(std::string, anneal_strategy) = "cos";  // "cos" or "linear"
  TAPEGRAD_ARG(bool, cycle_momentum) = true;
  TAPEGRAD_ARG(double, base_momentum) = 0.85;
  TAPEGRAD_ARG(double, max_momentum) = 0.95;
  TAPEGRAD_ARG(double, div_factor) = 25;
  TAPEGRAD_ARG(double, final_div_factor) = 1e4;
  TAPEGRAD_ARG(bool, three_phase) = false;
};

class OneCycleLR : public LRScheduler {
 public:
  // std::invalid_argument with PyTorch's messages for bad options, and for cycle_momentum on an
  // optimizer without momentum (Adagrad, Adadelta).
  OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options);
  std::string name() const override { return "OneCycleLR"; }

 protected:
  std::vector<double> get_lr() override;

 private:
  struct Phase {
    double end_step;
    int start_lr, end_lr;              // 0 initial, 1 max, 2 min
    bool start_at_max_momentum, end_at_max_momentum;
  };
  double anneal(double start, double end, double pct) const;

  OneCycleLROptions options_;
  std::vector<Phase> phases_;
  std::vector<std::vector<double>> lr_points_;  // per group: initial, max, min
};

}  // namespace tapegrad::optim
