// The Dataset interface: a size and indexed examples, fetched one at a time or as a whole batch.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "../core/tensor.hpp"

namespace tapegrad::datasets {

// One example, or a batch of them stacked along a new first dimension: {data, target}.
// Works with structured bindings: `auto& [images, labels] = batch;`.
struct Example {
  Tensor data;
  Tensor target;
};

// Rewrites freshly produced data in place. It is applied to single examples and to whole batches
// alike, so it must act element by element (like Normalize), not across the batch.
using Transform = std::function<void(Tensor& data)>;

class Dataset {
 public:
  virtual ~Dataset() = default;

  virtual std::int64_t size() const = 0;

  // The example at `index` (std::out_of_range outside 0..size()-1), transform applied.
  Example get(std::int64_t index) const;
  // The examples at `indices` stacked into one batch: data (B, ...) and target (B, ...), transform
  // applied once to the whole batch. Indices are checked like get()'s; an empty list is rejected.
  Example get_batch(std::span<const std::int64_t> indices) const;

  // Replaces the transform applied to the data of every example and batch (empty: none).
  void set_transform(Transform transform) { transform_ = std::move(transform); }
  const Transform& transform() const { return transform_; }

 protected:
  // Produce untransformed examples; indices are already checked. The default fetch_batch stacks
  // fetch() results; datasets override it to fill the batch tensors directly.
  virtual Example fetch(std::int64_t index) const = 0;
  virtual Example fetch_batch(std::span<const std::int64_t> indices) const;

 private:
  void check_index(std::int64_t index) const;
  Transform transform_;
};

}  // namespace tapegrad::datasets
