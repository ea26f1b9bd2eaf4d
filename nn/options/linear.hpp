// Options of nn::Linear, Flatten and Unflatten, with libtorch's fluent setters:
// LinearOptions(784, 512).bias(false).
#pragma once

#include <cstdint>
#include <vector>

#include "../../core/arg.hpp"

namespace tapegrad::nn {

struct LinearOptions {
  LinearOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TAPEGRAD_ARG(std::int64_t, in_features);
  TAPEGRAD_ARG(std::int64_t, out_features);
  TAPEGRAD_ARG(bool, bias) = true;
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
