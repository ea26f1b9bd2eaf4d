// Options of nn::Linear, with libtorch's fluent setters: LinearOptions(784, 512).bias(false).
#pragma once

#include <cstdint>

namespace tapegrad::nn {

struct LinearOptions {
  LinearOptions(std::int64_t in_features, std::int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  LinearOptions& in_features(std::int64_t v) { in_features_ = v; return *this; }
  LinearOptions& out_features(std::int64_t v) { out_features_ = v; return *this; }
  LinearOptions& bias(bool v) { bias_ = v; return *this; }
  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  bool bias() const { return bias_; }

  std::int64_t in_features_;
  std::int64_t out_features_;
  bool bias_ = true;
};

}  // namespace tapegrad::nn
