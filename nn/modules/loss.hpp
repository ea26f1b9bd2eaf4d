// Loss modules: thin wrappers holding options and calling nn::functional. Class weights and
// pos_weight are registered as buffers, so criterion.to(kFloat64) converts them with a model.
#pragma once

#include <memory>
#include <string>

#include "../module.hpp"
#include "../options/loss.hpp"

namespace tapegrad::nn {

class NLLLoss : public Module {
 public:
  explicit NLLLoss(NLLLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target) const;
  Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override;
  NLLLossOptions options;
};

class CrossEntropyLoss : public Module {
 public:
  explicit CrossEntropyLoss(CrossEntropyLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target) const;
  Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override;
  CrossEntropyLossOptions options;
};

class BCELoss : public Module {
 public:
  explicit BCELoss(BCELossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target) const;
  Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override;
  BCELossOptions options;
};

class BCEWithLogitsLoss : public Module {
 public:
  explicit BCEWithLogitsLoss(BCEWithLogitsLossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target) const;
  Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override;
  BCEWithLogitsLossOptions options;
};

class MSELoss : public Module {
 public:
  explicit MSELoss(MSELossOptions options = {});
  Tensor forward(const Tensor& input, const Tensor& target) const;
  Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
  std::string repr() const override;
  std::shared_ptr<Module> clone() const override;
  MSELossOptions options;
};

}  // namespace tapegrad::nn
