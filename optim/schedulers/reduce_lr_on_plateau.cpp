#include "reduce_lr_on_plateau.hpp"

#include <algorithm>
#include <stdexcept>

#include "scheduler_state.hpp"

namespace tapegrad::optim {

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& optimizer, const ReduceLROnPlateauOptions& options)
    : optimizer_(&optimizer), options_(options) {
  const auto& o = options_;
  if (o.factor() >= 1.0) throw std::invalid_argument("Factor should be < 1.0.");
  const std::size_t groups = optimizer.param_groups().size();
  if (o.min_lr().size() == 1) min_lrs_.assign(groups, o.min_lr()[0]);
  else if (o.min_lr().size() == groups) min_lrs_ = o.min_lr();
  else throw std::invalid_argument("expected " + std::to_string(groups) + " min_lrs, got " + std::to_string(o.min_lr().size()));
  if (o.mode() != "min" && o.mode() != "max") throw std::invalid_argument("mode " + o.mode() + " is unknown!");
  if (o.threshold_mode() != "rel" && o.threshold_mode() != "abs")
    throw std::invalid_argument("threshold mode " + o.threshold_mode() + " is unknown!");
  best_ = o.mode() == "min" ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  for (const auto& g : optimizer.param_groups()) last_lr_.push_back(g.options().get_lr());
}

bool ReduceLROnPlateau::is_better(double a, double best) const {
  const double t = options_.threshold();
  const bool rel = options_.threshold_mode() == "rel";
  if (options_.mode() == "min") return rel ? a < best * (1 - t) : a < best - t;
  return rel ? a > best * (t + 1) : a > best + t;
}

void ReduceLROnPlateau::step(double metric) {
  ++last_epoch_;
  if (is_better(metric, best_)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    ++num_bad_epochs_;
  }
  if (cooldown_counter_ > 0) {
    --cooldown_counter_;
    num_bad_epochs_ = 0;  // ignore any bad epochs in cooldown
  }
  auto& groups = optimizer_->param_groups();
  if (groups.size() != min_lrs_.size())
    throw std::runtime_error("ReduceLROnPlateau: the optimizer has " + std::to_string(groups.size()) +
                             " parameter groups, the scheduler was built for " + std::to_string(min_lrs_.size()));
  if (num_bad_epochs_ > options_.patience()) {
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const double old_lr = groups[i].options().get_lr();
      const double new_lr = std::max(old_lr * options_.factor(), min_lrs_[i]);
      if (old_lr - new_lr > options_.eps()) groups[i].options().set_lr(new_lr);
    }
    cooldown_counter_ = options_.cooldown();
    num_bad_epochs_ = 0;
  }
  last_lr_.clear();
  for (const auto& g : groups) last_lr_.push_back(g.options().get_lr());
}

StateDict ReduceLROnPlateau::state_dict() const {
  StateDict d;
  d.values["scheduler"] = name();
  d.values["best"] = number_text(best_);
  d.values["num_bad_epochs"] = std::to_string(num_bad_epochs_);
  d.values["cooldown_counter"] = std::to_string(cooldown_counter_);
  d.values["last_epoch"] = std::to_string(last_epoch_);
  put_doubles(d, "last_lr", last_lr_);
  return d;
}

void ReduceLROnPlateau::load_state_dict(const StateDict& d) {
  if (get_text(d, "scheduler") != name())
    throw std::runtime_error("scheduler state_dict: it belongs to " + get_text(d, "scheduler") + ", not " + name());
  auto last = get_doubles(d, "last_lr");
  if (last.size() != min_lrs_.size())
    throw std::runtime_error("scheduler state_dict: it has " + std::to_string(last.size()) +
                             " parameter groups, the optimizer has " + std::to_string(min_lrs_.size()));
  const double best = get_double(d, "best");
  const auto bad = get_int(d, "num_bad_epochs"), cooldown = get_int(d, "cooldown_counter"), epoch = get_int(d, "last_epoch");
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cooldown;
  last_epoch_ = epoch;
  last_lr_ = std::move(last);
}

}  // namespace tapegrad::optim
