// A dataset over two tensors whose first dimension indexes the examples.
#pragma once

#include "dataset.hpp"

namespace tapegrad::datasets {

class TensorDataset : public Dataset {
 public:
  // data (N, ...) and targets (N, ...), any dtypes; std::invalid_argument when N differs or either
  // is undefined or 0-d. Examples are copies, detached from autograd.
  TensorDataset(Tensor data, Tensor targets);

  std::int64_t size() const override { return data_.size(0); }
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 protected:
  Example fetch(std::int64_t index) const override;
  Example fetch_batch(std::span<const std::int64_t> indices) const override;

 private:
  Tensor data_, targets_;
};

}  // namespace tapegrad::datasets
