#include "lambda_lr.hpp"

#include <stdexcept>

namespace tapegrad::optim {

LambdaLR::LambdaLR(Optimizer& optimizer, Lambda lr_lambda)
    : LambdaLR(optimizer, std::vector<Lambda>(optimizer.param_groups().size(), lr_lambda)) {}

LambdaLR::LambdaLR(Optimizer& optimizer, std::vector<Lambda> lr_lambdas)
    : LRScheduler(optimizer), lambdas_(std::move(lr_lambdas)) {
  if (lambdas_.size() != optimizer.param_groups().size())
    throw std::invalid_argument("Expected " + std::to_string(optimizer.param_groups().size()) + " lr_lambdas, but got " +
                                std::to_string(lambdas_.size()));
  initial_step();
}

std::vector<double> LambdaLR::get_lr() {
  std::vector<double> lrs;
  for (std::size_t i = 0; i < base_lrs_.size(); ++i) lrs.push_back(base_lrs_[i] * lambdas_[i](last_epoch_));
  return lrs;
}

}  // namespace tapegrad::optim
