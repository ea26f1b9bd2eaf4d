// Options of BatchNorm1d/2d, Dropout/Dropout2d, Flatten and Unflatten (libtorch's names).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

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

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT
  TAPEGRAD_ARG(double, p);
};

struct DropoutFuncOptions {
  TAPEGRAD_ARG(double, p) = 0.5;
  TAPEGRAD_ARG(bool, training) = true;
};

struct FlattenOptions {
  TAPEGRAD_ARG(std::int64_t, start_dim) = 1;
  TAPEGRAD_ARG(std::int64_t, end_dim) = -1;
};

struct UnflattenOptions {
  UnflattenOptions(std::int64_t dim, std::vector<std::int64_t> sizes) : dim_(dim), sizes_(std::move(sizes)) {}
  TAPEGRAD_ARG(std::int64_t, dim);
  TAPEGRAD_ARG(std::vector<std::int64_t>, sizes);
};

}  // namespace tapegrad::nn
