// BatchNorm1d/2d: running statistics as buffers, updated by forward in training.
#pragma once

#include <string>

#include "../module.hpp"
#include "../options/batchnorm.hpp"

namespace tapegrad::nn {

// Buffers under PyTorch's names: running_mean (zeros), running_var (ones), num_batches_tracked
// (int64 0-d); parameters weight (ones) and bias (zeros) when affine.
class BatchNormBase : public Module {
 public:
  explicit BatchNormBase(const BatchNormOptions& options_);
  Tensor forward(const Tensor& input);
  Tensor operator()(const Tensor& input) { return forward(input); }
  void reset_running_stats();
  void reset_parameters();

  Tensor weight, bias;
  Tensor running_mean, running_var, num_batches_tracked;
  BatchNormOptions options;

 protected:
  virtual void check_input_dim(const Tensor& input) const = 0;
  std::string repr_named(const char* name) const;
};

// (N, C) or (N, C, L).
class BatchNorm1d : public BatchNormBase {
 public:
  using BatchNormBase::BatchNormBase;
  std::string repr() const override { return repr_named("BatchNorm1d"); }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

// (N, C, H, W).
class BatchNorm2d : public BatchNormBase {
 public:
  using BatchNormBase::BatchNormBase;
  std::string repr() const override { return repr_named("BatchNorm2d"); }

 protected:
  void check_input_dim(const Tensor& input) const override;
};

}  // namespace tapegrad::nn
