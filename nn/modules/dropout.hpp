// Dropout and Dropout2d: identity in eval().
#pragma once

#include <string>

#include "../module.hpp"
#include "../options/dropout.hpp"

namespace tapegrad::nn {

class Dropout : public Module {
 public:
  explicit Dropout(const DropoutOptions& options_ = {});
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override;

  DropoutOptions options;
};

// Zeroes whole channels.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(const DropoutOptions& options_ = {});
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override;

  DropoutOptions options;
};

}  // namespace tapegrad::nn
