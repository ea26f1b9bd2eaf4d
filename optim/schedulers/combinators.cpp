#include "combinators.hpp"

#include <algorithm>
#include <stdexcept>

#include "scheduler_state.hpp"

namespace tapegrad::optim {
namespace {
Optimizer& first_optimizer(const std::vector<std::shared_ptr<LRScheduler>>& schedulers) {
  if (schedulers.empty() || !schedulers[0]) throw std::invalid_argument("ChainedScheduler expects at least one scheduler");
  return schedulers[0]->optimizer();
}
}  // namespace

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
                           std::vector<std::int64_t> milestones)
    : LRScheduler(optimizer), schedulers_(std::move(schedulers)), milestones_(std::move(milestones)) {
  if (schedulers_.empty()) throw std::invalid_argument("SequentialLR expects at least one scheduler");
  for (std::size_t i = 0; i < schedulers_.size(); ++i)
    if (!schedulers_[i] || &schedulers_[i]->optimizer() != &optimizer)
      throw std::invalid_argument("Sequential Schedulers expects all schedulers to belong to the same optimizer, but got "
                                  "schedulers at index " + std::to_string(i) +
                                  " to be different than the optimizer passed in.");
  if (milestones_.size() != schedulers_.size() - 1)
    throw std::invalid_argument("Sequential Schedulers expects number of schedulers provided to be one more than the "
                                "number of milestone points, but got number of schedulers " +
                                std::to_string(schedulers_.size()) + " and the number of milestones to be equal to " +
                                std::to_string(milestones_.size()));
  last_epoch_ = 0;
  for (auto& g : optimizer.param_groups()) g.options().set_lr(*g.initial_lr());  // back to the initial values
  for (auto& s : schedulers_) s->last_epoch_ -= 1;  // undo the step each scheduler's constructor made
  schedulers_[0]->initial_step();
  last_lr_ = schedulers_[0]->get_last_lr();
}

void SequentialLR::step() {
  ++last_epoch_;
  const auto idx = static_cast<std::size_t>(std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_) - milestones_.begin());
  auto& s = *schedulers_[idx];
  if (idx > 0 && milestones_[idx - 1] == last_epoch_) s.step_to(0);
  else s.step();
  last_lr_ = s.get_last_lr();
}

StateDict SequentialLR::state_dict() const {
  StateDict d = LRScheduler::state_dict();
  for (std::size_t i = 0; i < schedulers_.size(); ++i) put_sub_dict(d, "schedulers." + std::to_string(i), schedulers_[i]->state_dict());
  return d;
}

void SequentialLR::load_state_dict(const StateDict& d) {
  // Load into the children first would half-load on a later failure: check the kinds up front.
  for (std::size_t i = 0; i < schedulers_.size(); ++i)
    if (get_text(sub_dict(d, "schedulers." + std::to_string(i)), "scheduler") != schedulers_[i]->name())
      throw std::runtime_error("scheduler state_dict: scheduler " + std::to_string(i) + " is of another kind");
  LRScheduler::load_state_dict(d);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(sub_dict(d, "schedulers." + std::to_string(i)));
}

ChainedScheduler::ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers)
    : LRScheduler(first_optimizer(schedulers)), schedulers_(std::move(schedulers)) {
  for (std::size_t i = 1; i < schedulers_.size(); ++i)
    if (!schedulers_[i] || &schedulers_[i]->optimizer() != optimizer_)
      throw std::invalid_argument("ChainedScheduler expects all schedulers to belong to the same optimizer, but got "
                                  "schedulers at index 0 and " + std::to_string(i) + " to be different");
  last_lr_ = group_lrs();
}

void ChainedScheduler::step() {
  for (auto& s : schedulers_) s->step();
  last_lr_ = group_lrs();
}

StateDict ChainedScheduler::state_dict() const {
  StateDict d = LRScheduler::state_dict();
  for (std::size_t i = 0; i < schedulers_.size(); ++i) put_sub_dict(d, "schedulers." + std::to_string(i), schedulers_[i]->state_dict());
  return d;
}

void ChainedScheduler::load_state_dict(const StateDict& d) {
  for (std::size_t i = 0; i < schedulers_.size(); ++i)
    if (get_text(sub_dict(d, "schedulers." + std::to_string(i)), "scheduler") != schedulers_[i]->name())
      throw std::runtime_error("scheduler state_dict: scheduler " + std::to_string(i) + " is of another kind");
  LRScheduler::load_state_dict(d);
  for (std::size_t i = 0; i < schedulers_.size(); ++i) schedulers_[i]->load_state_dict(sub_dict(d, "schedulers." + std::to_string(i)));
}

}  // namespace tapegrad::optim
