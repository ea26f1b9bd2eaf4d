// LRScheduler: the base of the epoch-driven schedulers (PyTorch 1.13's _LRScheduler, in libtorch's C++
// shape). A scheduler reads and writes each parameter group's lr (OneCycleLR also its momentum or
// beta1) and nothing else. Construction performs PyTorch's initial step (last_epoch 0); step() advances
// one epoch using the chainable formula, so the lr sequence equals Python's step for step (libtorch
// 1.13's own StepLR steps one epoch late; this follows Python).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../optimizer.hpp"

namespace tapegrad::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  virtual void step();
  // The lr of each group after the last step.
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  std::int64_t last_epoch() const { return last_epoch_; }
  Optimizer& optimizer() const { return *optimizer_; }
  virtual std::string name() const = 0;

  // Counters and learning rates as text (numbers in their shortest exact form).
  virtual StateDict state_dict() const;
  // Checks the scheduler kind and group count first; std::runtime_error, nothing changed, on mismatch.
  virtual void load_state_dict(const StateDict& dict);

 protected:
  explicit LRScheduler(Optimizer& optimizer);
  // PyTorch's _initial_step: each concrete scheduler's constructor ends with it.
  void initial_step();
  // The chainable formula (may read the groups' current lr).
  virtual std::vector<double> get_lr() = 0;
  // The closed form used by step(epoch) (SequentialLR at a milestone); defaults to get_lr().
  virtual std::vector<double> closed_form_lr() { return get_lr(); }
  std::vector<double> group_lrs() const;
  void set_group_lrs(const std::vector<double>& lrs);

  Optimizer* optimizer_;
  std::vector<double> base_lrs_;
  std::int64_t last_epoch_ = -1;
  std::int64_t step_count_ = 0;
  std::vector<double> last_lr_;

 private:
  friend class SequentialLR;
  void step_to(std::int64_t epoch);  // Python's step(epoch)
};

// lr × gamma every step_size epochs.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);
  std::string name() const override { return "StepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

// lr × gamma at each milestone (a milestone listed twice multiplies by gamma²).
class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma = 0.1);
  std::string name() const override { return "MultiStepLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;

 private:
  std::vector<std::int64_t> milestones_;  // sorted
  double gamma_;
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& optimizer, double gamma);
  std::string name() const override { return "ExponentialLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;

 private:
  double gamma_;
};

// Cosine from the initial lr down to eta_min over T_max epochs, and back up (PyTorch's recursive form).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min = 0);
  std::string name() const override { return "CosineAnnealingLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;

 private:
  std::int64_t T_max_;
  double eta_min_;
};

// The factor goes linearly from start_factor to end_factor over total_iters epochs.
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, std::int64_t total_iters = 5);
  std::string name() const override { return "LinearLR"; }

 protected:
  std::vector<double> get_lr() override;
  std::vector<double> closed_form_lr() override;

 private:
  double start_factor_, end_factor_;
  std::int64_t total_iters_;
};

}  // namespace tapegrad::optim
