#include "batchnorm.hpp"

#include <cstdio>
#include <stdexcept>

#include "../../core/autograd.hpp"
#include "../../core/ops.hpp"
#include "../functional.hpp"

namespace tapegrad::nn {

BatchNormBase::BatchNormBase(const BatchNormOptions& options_) : options(options_) {
  if (options.num_features() <= 0)
    throw std::invalid_argument("BatchNorm: num_features must be positive, got " + std::to_string(options.num_features()));
  const std::int64_t c = options.num_features();
  if (options.affine()) {
    weight = register_parameter("weight", empty({c}));
    bias = register_parameter("bias", empty({c}));
  }
  if (options.track_running_stats()) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, kInt64));
  }
  reset_parameters();
}

void BatchNormBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

void BatchNormBase::reset_parameters() {
  reset_running_stats();
  if (!options.affine()) return;
  NoGradGuard no_grad;
  weight.fill_(1.0);
  bias.zero_();
}

Tensor BatchNormBase::forward(const Tensor& input) {
  check_input_dim(input);
  // Named here, with both counts: functional::batch_norm only knows a vector's length does not match.
  // (Without weights or running statistics the layer holds nothing per channel and, as PyTorch's,
  // takes any count.)
  if ((options.affine() || options.track_running_stats()) && input.size(1) != options.num_features())
    throw std::invalid_argument(repr() + " expected an input with " + std::to_string(options.num_features()) +
                                " channels (dim 1), but got " + std::to_string(input.size(1)) +
                                " channels (input of shape " + shape_str(input.shape()) + ")");
  double factor = 0.0;
  if (is_training() && options.track_running_stats()) {
    num_batches_tracked.data<std::int64_t>()[0] += 1;
    num_batches_tracked.bump_version();
    // momentum nullopt: the cumulative moving average.
    factor = options.momentum() ? *options.momentum()
                                 : 1.0 / static_cast<double>(num_batches_tracked.data<std::int64_t>()[0]);
  }
  // Batch statistics in training, and in eval when there are no running statistics.
  const bool use_batch = is_training() || !running_mean.defined();
  const bool pass_stats = !is_training() || options.track_running_stats();
  return functional::batch_norm(input, pass_stats ? running_mean : Tensor(), pass_stats ? running_var : Tensor(),
                                BatchNormFuncOptions()
                                    .weight(weight)
                                    .bias(bias)
                                    .training(use_batch)
                                    .momentum(factor)
                                    .eps(options.eps()));
}

std::string BatchNormBase::repr_named(const char* name) const {
  char eps[32];
  std::snprintf(eps, sizeof eps, "%g", options.eps());
  std::string momentum = "None";
  if (options.momentum()) {
    char m[32];
    std::snprintf(m, sizeof m, "%g", *options.momentum());
    momentum = m;
  }
  return std::string(name) + "(" + std::to_string(options.num_features()) + ", eps=" + eps + ", momentum=" + momentum +
         ", affine=" + (options.affine() ? "true" : "false") +
         ", track_running_stats=" + (options.track_running_stats() ? "true" : "false") + ")";
}

void BatchNorm1d::check_input_dim(const Tensor& input) const {
  if (input.dim() != 2 && input.dim() != 3)
    throw std::invalid_argument("expected 2D or 3D input (got " + std::to_string(input.dim()) + "D input)");
}

void BatchNorm2d::check_input_dim(const Tensor& input) const {
  if (input.dim() != 4) throw std::invalid_argument("expected 4D input (got " + std::to_string(input.dim()) + "D input)");
}

}  // namespace tapegrad::nn
