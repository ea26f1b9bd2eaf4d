// Internal: shapes, weights and targets of the losses over classes (nll_loss, cross_entropy), with
// PyTorch's checks and messages. Inputs are seen as (batch, classes, inner): (N, C) has inner 1,
// (N, C, d1..dk) has inner d1·…·dk, unbatched (C) has batch 1.
#pragma once

#include <cstdint>

#include "../tensor.hpp"

namespace tapegrad::detail {

struct ClassLayout {
  std::int64_t batch = 1, classes = 0, inner = 1;
  Shape per_target_shape;  // the shape of one loss per target (kNone): the input's without the class dim
  std::int64_t class_dim = 0;
  std::int64_t targets() const { return batch * inner; }
};

// The layout of an input with a class dim (1, or 0 when unbatched). Throws for a 0-d input.
ClassLayout class_layout(const char* op, const Tensor& input);

// Checks an int64 class-index target against the input, as PyTorch does.
ClassLayout class_index_layout(const char* op, const Tensor& input, const Tensor& target);

// weight must be undefined or 1-D with one value per class, of the input's dtype. `prefix` starts
// the message ("" for nll_loss, "cross_entropy: " for probability targets, as PyTorch).
void check_class_weight(const char* op, const char* prefix, const Tensor& weight, const Tensor& input,
                        std::int64_t classes);

// Every target must be in [0, classes) or equal ignore_index: else std::out_of_range
// "Target 3 is out of bounds." (checked before any kernel reads weights or logits through it).
void check_target_bounds(const Tensor& target, std::int64_t classes, std::int64_t ignore_index);

// Σ w[t] over the targets that are not ignored (their count when weight is undefined): the
// denominator of the kMean reduction.
double valid_target_weight(const Tensor& target, const Tensor& weight, std::int64_t ignore_index);

}  // namespace tapegrad::detail
