#include "one_cycle_lr.hpp"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace tapegrad::optim {

OneCycleLR::OneCycleLR(Optimizer& optimizer, const OneCycleLROptions& options)
    : LRScheduler(optimizer), options_(options) {
  const auto& o = options_;
  const double total = static_cast<double>(o.total_steps());
  if (o.total_steps() <= 0)
    throw std::invalid_argument("Expected positive integer total_steps, but got " + std::to_string(o.total_steps()));
  if (!(o.pct_start() >= 0 && o.pct_start() <= 1))
    throw std::invalid_argument("Expected float between 0 and 1 pct_start, but got " + float_text(o.pct_start()));
  if (o.anneal_strategy() != "cos" && o.anneal_strategy() != "linear")
    throw std::invalid_argument("anneal_strategy must by one of 'cos' or 'linear', instead got " + o.anneal_strategy());
  auto& groups = optimizer.param_groups();
  if (o.max_lr().size() != 1 && o.max_lr().size() != groups.size())
    throw std::invalid_argument("expected " + std::to_string(groups.size()) + " values for max_lr, got " +
                                std::to_string(o.max_lr().size()));
  if (o.cycle_momentum() && !optimizer.defaults().has_momentum())
    throw std::invalid_argument("optimizer must support momentum with `cycle_momentum` option enabled");
  if (o.three_phase())
    phases_ = {{o.pct_start() * total - 1, 0, 1, true, false},
               {2 * o.pct_start() * total - 2, 1, 0, false, true},
               {total - 1, 0, 2, true, true}};
  else
    phases_ = {{o.pct_start() * total - 1, 0, 1, true, false}, {total - 1, 1, 2, false, true}};
  base_lrs_.clear();
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const double max_lr = o.max_lr()[o.max_lr().size() == 1 ? 0 : i];
    const double initial = max_lr / o.div_factor();
    lr_points_.push_back({initial, max_lr, initial / o.final_div_factor()});
    groups[i].initial_lr() = initial;  // PyTorch overwrites group['initial_lr'] here
    base_lrs_.push_back(initial);
    if (o.cycle_momentum()) groups[i].options().set_momentum(o.max_momentum());
  }
  initial_step();
}

double OneCycleLR::anneal(double start, double end, double pct) const {
  if (options_.anneal_strategy() == "linear") return (end - start) * pct + start;
  const double cos_out = std::cos(std::numbers::pi * pct) + 1;
  return end + (start - end) / 2.0 * cos_out;
}

std::vector<double> OneCycleLR::get_lr() {
  const double step = static_cast<double>(last_epoch_);
  if (last_epoch_ > options_.total_steps())
    throw std::invalid_argument("Tried to step " + std::to_string(last_epoch_ + 1) +
                                " times. The specified number of total steps is " + std::to_string(options_.total_steps()));
  std::vector<double> lrs;
  auto& groups = optimizer_->param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    double start_step = 0, lr = 0, momentum = 0;
    for (std::size_t i = 0; i < phases_.size(); ++i) {
      const Phase& ph = phases_[i];
      if (step <= ph.end_step || i == phases_.size() - 1) {
        const double pct = (step - start_step) / (ph.end_step - start_step);
        lr = anneal(lr_points_[g][ph.start_lr], lr_points_[g][ph.end_lr], pct);
        const auto m = [&](bool at_max) { return at_max ? options_.max_momentum() : options_.base_momentum(); };
        momentum = anneal(m(ph.start_at_max_momentum), m(ph.end_at_max_momentum), pct);
        break;
      }
      start_step = ph.end_step;
    }
    lrs.push_back(lr);
    if (options_.cycle_momentum()) groups[g].options().set_momentum(momentum);
  }
  return lrs;
}

}  // namespace tapegrad::optim
