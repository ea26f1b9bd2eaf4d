// LayerNorm: normalises over the trailing dims.
#pragma once

#include <memory>
#include <string>

#include "../module.hpp"
#include "../options/normalization.hpp"

namespace tapegrad::nn {

// Normalises over the trailing normalized_shape dims: (x - mean) / sqrt(var + eps) · weight + bias.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(const LayerNormOptions& options_);
  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }
  void reset_parameters();
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override { return clone_as<LayerNorm>(options); }

  Tensor weight;  // normalized_shape, ones; undefined without elementwise_affine
  Tensor bias;    // normalized_shape, zeros
  LayerNormOptions options;
};

}  // namespace tapegrad::nn
