#include "tensor_dataset.hpp"

#include <stdexcept>

#include "rows.hpp"

namespace tapegrad::datasets {

// Validates before detaching: detach() on an undefined tensor would throw a less helpful message.
TensorDataset::TensorDataset(Tensor data, Tensor targets) {
  if (!data.defined() || !targets.defined()) throw std::invalid_argument("TensorDataset: data and targets must be defined");
  if (data.dim() == 0 || targets.dim() == 0) {
    throw std::invalid_argument("TensorDataset: data and targets need a first dimension indexing the examples, got shapes " +
                                shape_str(data.shape()) + " and " + shape_str(targets.shape()));
  }
  if (data.size(0) != targets.size(0)) {
    throw std::invalid_argument("TensorDataset: data has " + std::to_string(data.size(0)) + " examples (shape " +
                                shape_str(data.shape()) + ") but targets has " + std::to_string(targets.size(0)) +
                                " (shape " + shape_str(targets.shape()) + ")");
  }
  data_ = data.detach();
  targets_ = targets.detach();
}

Example TensorDataset::fetch(std::int64_t index) const { return {copy_row(data_, index), copy_row(targets_, index)}; }

Example TensorDataset::fetch_batch(std::span<const std::int64_t> indices) const {
  return {gather_rows(data_, indices), gather_rows(targets_, indices)};
}

}  // namespace tapegrad::datasets
