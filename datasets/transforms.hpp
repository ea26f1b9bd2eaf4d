// Transforms for Dataset::set_transform.
#pragma once

#include "../core/tensor.hpp"

namespace tapegrad::datasets {

// (x - mean) / std element by element, in the data's own float type, as torchvision's Normalize
// (which subtracts and divides by float32 scalars for float32 data).
class Normalize {
 public:
  // std::invalid_argument when std is zero or either value is not finite.
  Normalize(double mean, double stddev);
  void operator()(Tensor& data) const;  // in place; float32 or float64 data
  double mean() const { return mean_; }
  double stddev() const { return std_; }

 private:
  double mean_, std_;
};

}  // namespace tapegrad::datasets
