// Options of nn::Linear, with libtorch's fluent setters: LinearOptions(784, 512).bias(false).
#pragma once

#include <cstdint>

#include "../../core/arg.hpp"

namespace tapegrad::nn {

struct LinearOptions {
  LinearOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  TAPEGRAD_ARG(std::int64_t, in_features);
  TAPEGRAD_ARG(std::int64_t, out_features);
  TAPEGRAD_ARG(bool, bias) = true;
};

}  // namespace tapegrad::nn
