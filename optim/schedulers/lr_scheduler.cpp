#include "lr_scheduler.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "scheduler_state.hpp"

namespace tapegrad::optim {

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(&optimizer) {
  // PyTorch's group.setdefault('initial_lr', group['lr']): the first scheduler on an optimizer fixes it.
  for (auto& g : optimizer.param_groups()) {
    if (!g.initial_lr()) g.initial_lr() = g.options().get_lr();
    base_lrs_.push_back(*g.initial_lr());
  }
}

void LRScheduler::initial_step() {
  step_count_ = 0;
  step();
}

std::vector<double> LRScheduler::group_lrs() const {
  std::vector<double> out;
  for (const auto& g : optimizer_->param_groups()) out.push_back(g.options().get_lr());
  return out;
}

void LRScheduler::set_group_lrs(const std::vector<double>& lrs) {
  auto& groups = optimizer_->param_groups();
  if (lrs.size() != groups.size())
    throw std::runtime_error(name() + ": the optimizer has " + std::to_string(groups.size()) +
                             " parameter groups, the scheduler was built for " + std::to_string(lrs.size()));
  for (std::size_t i = 0; i < groups.size(); ++i) groups[i].options().set_lr(lrs[i]);
  last_lr_ = group_lrs();
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  set_group_lrs(get_lr());
}

void LRScheduler::step_to(std::int64_t epoch) {
  ++step_count_;
  last_epoch_ = epoch;
  set_group_lrs(closed_form_lr());
}

StateDict LRScheduler::state_dict() const {
  StateDict d;
  d.values["scheduler"] = name();
  d.values["last_epoch"] = std::to_string(last_epoch_);
  d.values["step_count"] = std::to_string(step_count_);
  put_doubles(d, "base_lrs", base_lrs_);
  put_doubles(d, "last_lr", last_lr_);
  return d;
}

void LRScheduler::load_state_dict(const StateDict& d) {
  const std::string kind = get_text(d, "scheduler");
  if (kind != name()) throw std::runtime_error("scheduler state_dict: it belongs to " + kind + ", not " + name());
  auto base = get_doubles(d, "base_lrs"), last = get_doubles(d, "last_lr");
  if (base.size() != base_lrs_.size() || last.size() != base_lrs_.size())
    throw std::runtime_error("scheduler state_dict: it has " + std::to_string(base.size()) +
                             " parameter groups, the optimizer has " + std::to_string(base_lrs_.size()));
  last_epoch_ = get_int(d, "last_epoch");
  step_count_ = get_int(d, "step_count");
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

namespace {
std::vector<double> scaled(std::vector<double> v, double factor) {
  for (double& x : v) x *= factor;
  return v;
}
}  // namespace

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size <= 0) throw std::invalid_argument("StepLR: step_size must be positive, got " + std::to_string(step_size));
  initial_step();
}
std::vector<double> StepLR::get_lr() {
  if (last_epoch_ == 0 || last_epoch_ % step_size_ != 0) return group_lrs();
  return scaled(group_lrs(), gamma_);
}
std::vector<double> StepLR::closed_form_lr() {
  return scaled(base_lrs_, std::pow(gamma_, static_cast<double>(last_epoch_ / step_size_)));
}

MultiStepLR::MultiStepLR(Optimizer& optimizer, std::vector<std::int64_t> milestones, double gamma)
    : LRScheduler(optimizer), milestones_(std::move(milestones)), gamma_(gamma) {
  std::sort(milestones_.begin(), milestones_.end());
  initial_step();
}
std::vector<double> MultiStepLR::get_lr() {
  const auto count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  if (count == 0) return group_lrs();
  return scaled(group_lrs(), std::pow(gamma_, static_cast<double>(count)));
}
std::vector<double> MultiStepLR::closed_form_lr() {
  const auto passed = std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin();
  return scaled(base_lrs_, std::pow(gamma_, static_cast<double>(passed)));
}

ExponentialLR::ExponentialLR(Optimizer& optimizer, double gamma) : LRScheduler(optimizer), gamma_(gamma) {
  initial_step();
}
std::vector<double> ExponentialLR::get_lr() {
  if (last_epoch_ == 0) return group_lrs();
  return scaled(group_lrs(), gamma_);
}
std::vector<double> ExponentialLR::closed_form_lr() {
  return scaled(base_lrs_, std::pow(gamma_, static_cast<double>(last_epoch_)));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  if (T_max <= 0) throw std::invalid_argument("CosineAnnealingLR: T_max must be positive, got " + std::to_string(T_max));
  initial_step();
}
std::vector<double> CosineAnnealingLR::get_lr() {
  using std::numbers::pi;
  auto lrs = group_lrs();
  if (last_epoch_ == 0) return lrs;
  const double T = static_cast<double>(T_max_), e = static_cast<double>(last_epoch_);
  const std::int64_t period = 2 * T_max_;
  const std::int64_t phase = ((last_epoch_ - 1 - T_max_) % period + period) % period;  // Python's %
  for (std::size_t i = 0; i < lrs.size(); ++i) {
    if (phase == 0) lrs[i] = lrs[i] + (base_lrs_[i] - eta_min_) * (1 - std::cos(pi / T)) / 2;
    else lrs[i] = (1 + std::cos(pi * e / T)) / (1 + std::cos(pi * (e - 1) / T)) * (lrs[i] - eta_min_) + eta_min_;
  }
  return lrs;
}
std::vector<double> CosineAnnealingLR::closed_form_lr() {
  using std::numbers::pi;
  std::vector<double> lrs;
  for (double base : base_lrs_)
    lrs.push_back(eta_min_ + (base - eta_min_) * (1 + std::cos(pi * static_cast<double>(last_epoch_) / static_cast<double>(T_max_))) / 2);
  return lrs;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, std::int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  if (start_factor > 1.0 || start_factor <= 0)
    throw std::invalid_argument("Starting multiplicative factor expected to be greater than 0 and less or equal to 1.");
  if (end_factor > 1.0 || end_factor < 0)
    throw std::invalid_argument("Ending multiplicative factor expected to be between 0 and 1.");
  initial_step();
}
std::vector<double> LinearLR::get_lr() {
  if (last_epoch_ == 0) return scaled(group_lrs(), start_factor_);
  if (last_epoch_ > total_iters_) return group_lrs();
  const double span = end_factor_ - start_factor_;
  return scaled(group_lrs(), 1.0 + span / (static_cast<double>(total_iters_) * start_factor_ +
                                           static_cast<double>(last_epoch_ - 1) * span));
}
std::vector<double> LinearLR::closed_form_lr() {
  const double t = static_cast<double>(std::min(total_iters_, last_epoch_)) / static_cast<double>(total_iters_);
  return scaled(base_lrs_, start_factor_ + (end_factor_ - start_factor_) * t);
}

}  // namespace tapegrad::optim
