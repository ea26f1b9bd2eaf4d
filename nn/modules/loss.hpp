// Loss modules: thin wrappers holding options and calling nn::functional. Class weights and
// pos_weight are registered as buffers, so criterion.to(kFloat64) converts them with a model.
#pragma once

#include <memory>
#include <string>

#include "../functional.hpp"
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

// The loss modules composed of core ops: option holders calling nn::functional
// (regression_losses.cpp, kl_div.cpp, ranking_losses.cpp, likelihood_losses.cpp).
//   nn::HuberLoss(nn::HuberLossOptions().delta(0.5))(input, target)
namespace tapegrad::nn {
namespace detail {

template <class Options, Tensor (*Fn)(const Tensor&, const Tensor&, const Options&), const char* Name>
class PairLoss : public Module {
 public:
  explicit PairLoss(Options options = {}) : options(std::move(options)) {}
  Tensor forward(const Tensor& input, const Tensor& target) const { return Fn(input, target, options); }
  Tensor operator()(const Tensor& input, const Tensor& target) const { return forward(input, target); }
  std::string repr() const override { return std::string(Name) + "()"; }
  std::shared_ptr<Module> clone() const override { return clone_as<PairLoss>(options); }
  Options options;
};

template <class Options, Tensor (*Fn)(const Tensor&, const Tensor&, const Tensor&, const Options&), const char* Name>
class TripleLoss : public Module {
 public:
  explicit TripleLoss(Options options = {}) : options(std::move(options)) {}
  Tensor forward(const Tensor& a, const Tensor& b, const Tensor& c) const { return Fn(a, b, c, options); }
  Tensor operator()(const Tensor& a, const Tensor& b, const Tensor& c) const { return forward(a, b, c); }
  std::string repr() const override { return std::string(Name) + "()"; }
  std::shared_ptr<Module> clone() const override { return clone_as<TripleLoss>(options); }
  Options options;
};

inline constexpr char kL1Loss[] = "L1Loss";
inline constexpr char kSmoothL1Loss[] = "SmoothL1Loss";
inline constexpr char kHuberLoss[] = "HuberLoss";
inline constexpr char kKLDivLoss[] = "KLDivLoss";
inline constexpr char kPoissonNLLLoss[] = "PoissonNLLLoss";
inline constexpr char kMarginRankingLoss[] = "MarginRankingLoss";
inline constexpr char kCosineEmbeddingLoss[] = "CosineEmbeddingLoss";
inline constexpr char kGaussianNLLLoss[] = "GaussianNLLLoss";

}  // namespace detail

using L1Loss = detail::PairLoss<L1LossOptions, functional::l1_loss, detail::kL1Loss>;
using SmoothL1Loss = detail::PairLoss<SmoothL1LossOptions, functional::smooth_l1_loss, detail::kSmoothL1Loss>;
using HuberLoss = detail::PairLoss<HuberLossOptions, functional::huber_loss, detail::kHuberLoss>;
using KLDivLoss = detail::PairLoss<KLDivLossOptions, functional::kl_div, detail::kKLDivLoss>;
using PoissonNLLLoss = detail::PairLoss<PoissonNLLLossOptions, functional::poisson_nll_loss, detail::kPoissonNLLLoss>;
// forward(input1, input2, target)
using MarginRankingLoss =
    detail::TripleLoss<MarginRankingLossOptions, functional::margin_ranking_loss, detail::kMarginRankingLoss>;
using CosineEmbeddingLoss =
    detail::TripleLoss<CosineEmbeddingLossOptions, functional::cosine_embedding_loss, detail::kCosineEmbeddingLoss>;
// forward(input, target, var)
using GaussianNLLLoss = detail::TripleLoss<GaussianNLLLossOptions, functional::gaussian_nll_loss, detail::kGaussianNLLLoss>;

}  // namespace tapegrad::nn
