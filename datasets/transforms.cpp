#include "transforms.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tapegrad::datasets {

Normalize::Normalize(double mean, double stddev) : mean_(mean), std_(stddev) {
  if (!std::isfinite(mean) || !std::isfinite(stddev)) {
    throw std::invalid_argument("Normalize: mean and std must be finite, got mean " + std::to_string(mean) +
                                " and std " + std::to_string(stddev));
  }
  if (static_cast<float>(stddev) == 0.0f) {
    throw std::invalid_argument("Normalize: std evaluated to zero after conversion to float32, leading to division by zero");
  }
}

void Normalize::operator()(Tensor& data) const {
  dispatch_floating(data.dtype(), "Normalize", [&](auto zero) {
    using T = decltype(zero);
    const T mean = static_cast<T>(mean_), stddev = static_cast<T>(std_);
    T* x = data.data<T>();
    const std::int64_t n = data.numel();
    for (std::int64_t i = 0; i < n; ++i) x[i] = (x[i] - mean) / stddev;
  });
  data.bump_version();
}

}  // namespace tapegrad::datasets
