// Options of the losses, with libtorch's names and fluent setters. As in libtorch, the functional
// options (F::cross_entropy(x, t, CrossEntropyFuncOptions().label_smoothing(0.1))) are the same
// structs as the module options (CrossEntropyLoss(CrossEntropyLossOptions().ignore_index(0))).
#pragma once

#include <cstdint>
#include <utility>

#include "../../core/arg.hpp"
#include "../../core/tensor.hpp"
#include "../reduction.hpp"

namespace tapegrad::nn {

struct NLLLossOptions {
  TAPEGRAD_ARG(Tensor, weight);          // one weight per class, or undefined
  TAPEGRAD_ARG(std::int64_t, ignore_index) = -100;
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

struct CrossEntropyLossOptions {
  TAPEGRAD_ARG(Tensor, weight);
  TAPEGRAD_ARG(std::int64_t, ignore_index) = -100;
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
  TAPEGRAD_ARG(double, label_smoothing) = 0.0;  // in [0, 1]
};

struct BCELossOptions {
  TAPEGRAD_ARG(Tensor, weight);  // broadcasts to the input's shape
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

struct BCEWithLogitsLossOptions {
  TAPEGRAD_ARG(Tensor, weight);      // broadcasts to the input's shape
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
  TAPEGRAD_ARG(Tensor, pos_weight);  // broadcasts too: (C) runs along the last dim
};

struct MSELossOptions {
  MSELossOptions() = default;
  MSELossOptions(Reduction reduction) : reduction_(reduction) {}  // NOLINT: MSELossOptions(kSum)
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

namespace functional {
using NLLLossFuncOptions = NLLLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BCEFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using BCEWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using MSELossFuncOptions = MSELossOptions;
}  // namespace functional

}  // namespace tapegrad::nn
