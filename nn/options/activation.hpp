// Options of the activations that take any (libtorch's names; the functional options are the same structs).
#pragma once

#include <cstdint>
#include <string>

#include "../../core/arg.hpp"

namespace tapegrad::nn {

// The dim Softmax and LogSoftmax normalise over (negative counts from the end).
struct SoftmaxOptions {
  SoftmaxOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT
  TAPEGRAD_ARG(std::int64_t, dim);
};

struct LogSoftmaxOptions {
  LogSoftmaxOptions(std::int64_t dim) : dim_(dim) {}  // NOLINT
  TAPEGRAD_ARG(std::int64_t, dim);
};

struct LeakyReLUOptions {
  TAPEGRAD_ARG(double, negative_slope) = 0.01;
};

struct ELUOptions {
  TAPEGRAD_ARG(double, alpha) = 1.0;
};

struct GELUOptions {
  TAPEGRAD_ARG(std::string, approximate) = "none";  // "none" (erf) or "tanh"
};

struct SoftplusOptions {
  TAPEGRAD_ARG(double, beta) = 1.0;
  TAPEGRAD_ARG(double, threshold) = 20.0;  // above it (in beta·x) softplus is x itself
};

struct HardtanhOptions {
  TAPEGRAD_ARG(double, min_val) = -1.0;
  TAPEGRAD_ARG(double, max_val) = 1.0;
};

namespace functional {
using LeakyReLUFuncOptions = LeakyReLUOptions;
using ELUFuncOptions = ELUOptions;
using GELUFuncOptions = GELUOptions;
using SoftplusFuncOptions = SoftplusOptions;
using HardtanhFuncOptions = HardtanhOptions;
}  // namespace functional

}  // namespace tapegrad::nn
