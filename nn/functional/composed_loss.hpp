// Internal helpers of the losses composed of core ops (regression, kl_div, ranking, likelihood losses):
// their gradients come from the ops, so they have no backward of their own.
#pragma once

#include <stdexcept>
#include <string>

#include "../../core/ops.hpp"
#include "../../core/reduction.hpp"
#include "../../core/ops/loss_utils.hpp"

namespace tapegrad::nn::detail {

using tapegrad::detail::check_loss_dtype;
using tapegrad::detail::torch_type_name;

// kNone: the losses as they are; kSum: their sum; kMean: their mean (NaN over none, as PyTorch).
inline Tensor apply_reduction(const Tensor& losses, Reduction reduction) {
  if (reduction == Reduction::kSum) return sum(losses);
  if (reduction == Reduction::kMean) return mean(losses);
  return losses;
}

// input and target of one shape and one floating dtype (tapegrad does not broadcast a target: see mse_loss).
inline void check_same_shape_loss(const char* op, const Tensor& input, const Tensor& target) {
  if (!input.defined() || !target.defined()) throw std::invalid_argument(std::string(op) + ": input and target must be defined");
  if (target.shape() != input.shape())
    throw std::invalid_argument(std::string(op) + ": target size " + shape_str(target.shape()) +
                                " must be the same as input size " + shape_str(input.shape()) +
                                " (tapegrad does not broadcast in " + op + ")");
  check_loss_dtype(op, "target", target, input);
}

inline Tensor scalar_of(const Tensor& like, double v) { return full({}, v, like.dtype()); }

}  // namespace tapegrad::nn::detail
