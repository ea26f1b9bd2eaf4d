// Options of the losses, with libtorch's names and fluent setters. As in libtorch, the functional
// options (F::cross_entropy(x, t, CrossEntropyFuncOptions().label_smoothing(0.1))) are the same
// structs as the module options (CrossEntropyLoss(CrossEntropyLossOptions().ignore_index(0))).
#pragma once

#include <cstdint>
#include <utility>

#include "../../core/tensor.hpp"
#include "../reduction.hpp"

namespace tapegrad::nn {

// Setter and getter of one option, named like the option (libtorch's TORCH_ARG, spelled out).
#define TAPEGRAD_OPTION(Self, Type, name)                                  \
  Self& name(Type value) { name##_ = std::move(value); return *this; }    \
  const Type& name() const { return name##_; }

struct NLLLossOptions {
  TAPEGRAD_OPTION(NLLLossOptions, Tensor, weight)          // one weight per class, or undefined
  TAPEGRAD_OPTION(NLLLossOptions, std::int64_t, ignore_index)
  TAPEGRAD_OPTION(NLLLossOptions, Reduction, reduction)
  Tensor weight_;
  std::int64_t ignore_index_ = -100;
  Reduction reduction_ = kMean;
};

struct CrossEntropyLossOptions {
  TAPEGRAD_OPTION(CrossEntropyLossOptions, Tensor, weight)
  TAPEGRAD_OPTION(CrossEntropyLossOptions, std::int64_t, ignore_index)
  TAPEGRAD_OPTION(CrossEntropyLossOptions, Reduction, reduction)
  TAPEGRAD_OPTION(CrossEntropyLossOptions, double, label_smoothing)  // in [0, 1]
  Tensor weight_;
  std::int64_t ignore_index_ = -100;
  Reduction reduction_ = kMean;
  double label_smoothing_ = 0.0;
};

struct BCELossOptions {
  TAPEGRAD_OPTION(BCELossOptions, Tensor, weight)  // broadcasts to the input's shape
  TAPEGRAD_OPTION(BCELossOptions, Reduction, reduction)
  Tensor weight_;
  Reduction reduction_ = kMean;
};

struct BCEWithLogitsLossOptions {
  TAPEGRAD_OPTION(BCEWithLogitsLossOptions, Tensor, weight)      // broadcasts to the input's shape
  TAPEGRAD_OPTION(BCEWithLogitsLossOptions, Reduction, reduction)
  TAPEGRAD_OPTION(BCEWithLogitsLossOptions, Tensor, pos_weight)  // broadcasts too: (C) runs along the last dim
  Tensor weight_;
  Reduction reduction_ = kMean;
  Tensor pos_weight_;
};

struct MSELossOptions {
  MSELossOptions() = default;
  MSELossOptions(Reduction reduction) : reduction_(reduction) {}  // NOLINT: MSELossOptions(kSum)
  TAPEGRAD_OPTION(MSELossOptions, Reduction, reduction)
  Reduction reduction_ = kMean;
};

#undef TAPEGRAD_OPTION

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
