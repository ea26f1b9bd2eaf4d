// Options of BatchNorm1d/2d and of functional::batch_norm (libtorch's names).
#pragma once

#include <cstdint>
#include <optional>

#include "../../core/arg.hpp"
#include "../../core/tensor.hpp"

namespace tapegrad::nn {

struct BatchNormOptions {
  BatchNormOptions(std::int64_t num_features) : num_features_(num_features) {}  // NOLINT
  TAPEGRAD_ARG(std::int64_t, num_features);
  TAPEGRAD_ARG(double, eps) = 1e-5;
  // nullopt: running statistics are the cumulative average (PyTorch's momentum=None).
  TAPEGRAD_ARG(std::optional<double>, momentum) = 0.1;
  TAPEGRAD_ARG(bool, affine) = true;
  TAPEGRAD_ARG(bool, track_running_stats) = true;
};

struct BatchNormFuncOptions {
  TAPEGRAD_ARG(Tensor, weight);
  TAPEGRAD_ARG(Tensor, bias);
  TAPEGRAD_ARG(bool, training) = false;
  TAPEGRAD_ARG(double, momentum) = 0.1;
  TAPEGRAD_ARG(double, eps) = 1e-5;
};

}  // namespace tapegrad::nn
