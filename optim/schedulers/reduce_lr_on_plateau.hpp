// ReduceLROnPlateau (PyTorch 1.13): step(metric) once per epoch; after more than `patience` epochs
// without improvement, each group's lr × factor (not below its min_lr), then `cooldown` epochs of rest.
#pragma once

#include <limits>
#include <string>
#include <vector>

#include "../../core/arg.hpp"
#include "../optimizer.hpp"

namespace tapegrad::optim {

struct ReduceLROnPlateauOptions {
  TAPEGRAD_ARG(std::string, mode) = "min";  // "min" or "max"
  TAPEGRAD_ARG(double, factor) = 0.1;
  TAPEGRAD_ARG(std::int64_t, patience) = 10;
  TAPEGRAD_ARG(double, threshold) = 1e-4;
  TAPEGRAD_ARG(std::string, threshold_mode) = "rel";  // "rel" or "abs"
  TAPEGRAD_ARG(std::int64_t, cooldown) = 0;
  TAPEGRAD_ARG(std::vector<double>, min_lr) = {0.0};  // one for every group, or one per group
  TAPEGRAD_ARG(double, eps) = 1e-8;
};

class ReduceLROnPlateau {
 public:
  explicit ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options = {});
  void step(double metric);
  // The lr of each group after the last step (PyTorch 1.13 lacks it here; later versions have it).
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  Optimizer& optimizer() const { return *optimizer_; }
  std::string name() const { return "ReduceLROnPlateau"; }
  StateDict state_dict() const;
  void load_state_dict(const StateDict& dict);

 private:
  bool is_better(double a, double best) const;
  Optimizer* optimizer_;
  ReduceLROnPlateauOptions options_;
  std::vector<double> min_lrs_;
  double best_;
  std::int64_t num_bad_epochs_ = 0, cooldown_counter_ = 0, last_epoch_ = 0;
  std::vector<double> last_lr_;
};

}  // namespace tapegrad::optim
