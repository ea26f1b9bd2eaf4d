// Schedulers made of schedulers (PyTorch 1.13): SequentialLR runs one scheduler after another
// (warm-up, then cosine) switching at the milestones; ChainedScheduler steps all of them each epoch.
#pragma once

#include <memory>
#include <vector>

#include "lr_scheduler.hpp"

namespace tapegrad::optim {

class SequentialLR : public LRScheduler {
 public:
  // Every scheduler must be built on `optimizer`; milestones: one fewer than schedulers.
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedulers,
               std::vector<std::int64_t> milestones);
  void step() override;
  std::string name() const override { return "SequentialLR"; }
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& dict) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
  std::vector<std::int64_t> milestones_;
};

class ChainedScheduler : public LRScheduler {
 public:
  explicit ChainedScheduler(std::vector<std::shared_ptr<LRScheduler>> schedulers);
  void step() override;
  std::string name() const override { return "ChainedScheduler"; }
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& dict) override;

 protected:
  std::vector<double> get_lr() override { return group_lrs(); }

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedulers_;
};

}  // namespace tapegrad::optim
