#include "dataset.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include "rows.hpp"

namespace tapegrad::datasets {

void Dataset::check_index(std::int64_t index) const {
  if (index < 0 || index >= size()) {
    throw std::out_of_range("Dataset: index " + std::to_string(index) + " is out of range for a dataset of size " +
                            std::to_string(size()));
  }
}

Example Dataset::get(std::int64_t index) const {
  check_index(index);
  Example example = fetch(index);
  if (transform_) transform_(example.data);
  return example;
}

Example Dataset::get_batch(std::span<const std::int64_t> indices) const {
  if (indices.empty()) throw std::invalid_argument("Dataset: get_batch needs at least one index");
  for (const std::int64_t index : indices) check_index(index);
  Example batch = fetch_batch(indices);
  if (transform_) transform_(batch.data);
  return batch;
}

Example Dataset::fetch_batch(std::span<const std::int64_t> indices) const {
  std::vector<Tensor> data, targets;
  data.reserve(indices.size());
  targets.reserve(indices.size());
  for (const std::int64_t index : indices) {
    Example example = fetch(index);
    data.push_back(std::move(example.data));
    targets.push_back(std::move(example.target));
  }
  return {stack_rows(data), stack_rows(targets)};
}

}  // namespace tapegrad::datasets
