// Options of the losses, with libtorch's names and fluent setters. As in libtorch, the functional
// options (F::cross_entropy(x, t, CrossEntropyFuncOptions().label_smoothing(0.1))) are the same
// structs as the module options (CrossEntropyLoss(CrossEntropyLossOptions().ignore_index(0))).
#pragma once

#include <cstdint>
#include <utility>

#include "../../core/arg.hpp"
#include "../../core/tensor.hpp"
#include "../../core/reduction.hpp"

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

}  // namespace tapegrad::nn

// The losses composed of core ops (L1 ... GaussianNLL). KLDivLoss's reduction also takes kBatchMean.
namespace tapegrad {

// kl_div's extra reduction: the sum divided by the batch size (input.size(0)).
struct BatchMean {};
inline constexpr BatchMean kBatchMean{};

namespace nn {
using tapegrad::kBatchMean;

// kNone, kMean, kSum or kBatchMean.
class KLDivReduction {
 public:
  KLDivReduction(Reduction reduction) : reduction_(reduction) {}  // NOLINT: .reduction(kSum)
  KLDivReduction(BatchMean) : batchmean_(true) {}                  // NOLINT: .reduction(kBatchMean)
  bool is_batchmean() const { return batchmean_; }
  Reduction reduction() const { return batchmean_ ? kSum : reduction_; }  // what the elements reduce with

 private:
  Reduction reduction_ = kMean;
  bool batchmean_ = false;
};

struct L1LossOptions {
  L1LossOptions() = default;
  L1LossOptions(Reduction reduction) : reduction_(reduction) {}  // NOLINT
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

struct SmoothL1LossOptions {
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
  TAPEGRAD_ARG(double, beta) = 1.0;  // >= 0; 0 is the L1 loss
};

struct HuberLossOptions {
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
  TAPEGRAD_ARG(double, delta) = 1.0;  // > 0
};

struct KLDivLossOptions {
  TAPEGRAD_ARG(KLDivReduction, reduction) = kMean;  // PyTorch's default; kBatchMean is the KL divergence
  TAPEGRAD_ARG(bool, log_target) = false;
};

struct MarginRankingLossOptions {
  TAPEGRAD_ARG(double, margin) = 0.0;
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

struct CosineEmbeddingLossOptions {
  TAPEGRAD_ARG(double, margin) = 0.0;
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

struct PoissonNLLLossOptions {
  TAPEGRAD_ARG(bool, log_input) = true;  // input is log(rate)
  TAPEGRAD_ARG(bool, full) = false;      // add Stirling's approximation term (targets > 1)
  TAPEGRAD_ARG(double, eps) = 1e-8;      // log(input + eps) when !log_input
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

struct GaussianNLLLossOptions {
  TAPEGRAD_ARG(bool, full) = false;  // add log(2π)/2
  TAPEGRAD_ARG(double, eps) = 1e-6;  // var is clamped to eps (the gradient passes as if unclamped)
  TAPEGRAD_ARG(Reduction, reduction) = kMean;
};

// The functional forms take the modules' option structs, under libtorch's functional names.
namespace functional {
using NLLLossFuncOptions = NLLLossOptions;
using CrossEntropyFuncOptions = CrossEntropyLossOptions;
using BinaryCrossEntropyFuncOptions = BCELossOptions;
using BCEFuncOptions = BCELossOptions;
using BinaryCrossEntropyWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using BCEWithLogitsFuncOptions = BCEWithLogitsLossOptions;
using MSELossFuncOptions = MSELossOptions;
using L1LossFuncOptions = L1LossOptions;
using SmoothL1LossFuncOptions = SmoothL1LossOptions;
using HuberLossFuncOptions = HuberLossOptions;
using KLDivFuncOptions = KLDivLossOptions;
using MarginRankingLossFuncOptions = MarginRankingLossOptions;
using CosineEmbeddingLossFuncOptions = CosineEmbeddingLossOptions;
using PoissonNLLLossFuncOptions = PoissonNLLLossOptions;
using GaussianNLLLossFuncOptions = GaussianNLLLossOptions;
}  // namespace functional

}  // namespace nn
}  // namespace tapegrad
