// Copying whole rows (first-dimension slices) between tensors, for building examples and batches
// without going through the tape.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "../core/tensor.hpp"

namespace tapegrad::datasets {

// t[index] as a new tensor of shape t.shape()[1:] (a 0-d tensor for a 1-D t).
Tensor copy_row(const Tensor& t, std::int64_t index);
// t[indices] as a new tensor of shape (indices.size(), t.shape()[1:]...).
Tensor gather_rows(const Tensor& t, std::span<const std::int64_t> indices);
// Stacks same-shape, same-dtype tensors along a new first dimension.
Tensor stack_rows(const std::vector<Tensor>& rows);

}  // namespace tapegrad::datasets
