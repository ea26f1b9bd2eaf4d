// LambdaLR: lr = initial lr × lr_lambda(epoch), one function for every group or one per group.
#pragma once

#include <functional>

#include "lr_scheduler.hpp"

namespace tapegrad::optim {

class LambdaLR : public LRScheduler {
 public:
  using Lambda = std::function<double(std::int64_t epoch)>;
  LambdaLR(Optimizer& optimizer, Lambda lr_lambda);
  LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas);
  std::string name() const override { return "LambdaLR"; }

 protected:
  std::vector<double> get_lr() override;

 private:
  std::vector<Lambda> lambdas_;
};

}  // namespace tapegrad::optim
