// Linear: y = x·Wᵀ + b, initialised as PyTorch: W and b ~ U(-1/sqrt(in), 1/sqrt(in)); and the
// parameterless Identity, Flatten and Unflatten (libtorch's linear.h holds them too).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../module.hpp"
#include "../options/linear.hpp"

namespace tapegrad::nn {

// Returns its input (a placeholder, e.g. to switch a block off).
class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) const { return input; }
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override { return "Identity()"; }
  std::shared_ptr<Module> clone() const override { return clone_as<Identity>(); }
};

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features) : Linear(LinearOptions(in_features, out_features)) {}
  explicit Linear(const LinearOptions& options_);

  // x of shape (*, in_features), including 1-D (in_features) and an empty batch (0, in_features).
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }

  // Draws fresh values from the calling thread's generator (weight first, then bias).
  void reset_parameters();
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override { return clone_as<Linear>(options); }

  Tensor weight;  // (out_features, in_features)
  Tensor bias;    // (out_features), undefined when options.bias(false)
  LinearOptions options;
};

class Flatten : public Module {
 public:
  explicit Flatten(const FlattenOptions& options_ = {}) : options(options_) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override;

  FlattenOptions options;
};

class Unflatten : public Module {
 public:
  explicit Unflatten(const UnflattenOptions& options_) : options(options_) {}
  Unflatten(std::int64_t dim, std::vector<std::int64_t> sizes) : Unflatten(UnflattenOptions(dim, std::move(sizes))) {}
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  std::string repr() const override;

  UnflattenOptions options;
};

}  // namespace tapegrad::nn
