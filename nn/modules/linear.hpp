// Linear: y = x·Wᵀ + b, initialised as PyTorch: W and b ~ U(-1/sqrt(in), 1/sqrt(in)).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "../module.hpp"
#include "../options/linear.hpp"

namespace tapegrad::nn {

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features) : Linear(LinearOptions(in_features, out_features)) {}
  explicit Linear(const LinearOptions& options);

  // x of shape (*, in_features), including 1-D (in_features) and an empty batch (0, in_features).
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }

  // Draws fresh values from the calling thread's generator (weight first, then bias).
  void reset_parameters();
  const LinearOptions& options() const { return options_; }
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override { return clone_as<Linear>(options_); }

  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features), undefined when options.bias(false)

 private:
  LinearOptions options_;
};

}  // namespace tapegrad::nn
