// The losses composed of core ops (regression, kl_div, ranking, likelihood): argument checks and
// PyTorch's messages (the values and gradients are in the PyTorch reference test,
// test_functional_reference.cpp).
#include <catch2/catch.hpp>

#include <cmath>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace F = tapegrad::nn::functional;

TEST_CASE("regression losses: PyTorch's option checks, no broadcasting of the target", "[nn][loss]") {
  const tg::Tensor x = tg::ones({2, 3}), t = tg::zeros({2, 3});
  CHECK_THROWS_WITH(F::huber_loss(x, t, F::HuberLossFuncOptions().delta(0)), "huber_loss does not support non-positive values for delta.");
  CHECK_THROWS_WITH(F::smooth_l1_loss(x, t, F::SmoothL1LossFuncOptions().beta(-1)),
                    "smooth_l1_loss does not support negative values for beta.");
  CHECK_THROWS_WITH(F::l1_loss(x, tg::zeros({3})), Catch::Contains("l1_loss: target size [3] must be the same as input size [2, 3]"));
  CHECK_THROWS_WITH(F::l1_loss(x, tg::zeros({2, 3}, tg::kFloat64)), Catch::Contains("l1_loss"));
  CHECK(F::l1_loss(x, t, tg::kNone).shape() == tg::Shape{2, 3});
  CHECK(std::isnan(F::l1_loss(tg::zeros({0}), tg::zeros({0})).item()));  // the mean of nothing, as PyTorch
}

TEST_CASE("kl_div: batchmean divides by the batch size; negative targets give NaN", "[nn][loss]") {
  const tg::Tensor logp = tg::log(tg::tensor({{0.25, 0.75}, {0.5, 0.5}}, tg::kFloat64));
  const tg::Tensor p = tg::tensor({{0.5, 0.5}, {0.0, 1.0}}, tg::kFloat64);
  const double sum = F::kl_div(logp, p, F::KLDivFuncOptions().reduction(tg::kSum)).item();
  CHECK(F::kl_div(logp, p, F::KLDivFuncOptions().reduction(tg::kBatchMean)).item() == Approx(sum / 2));
  CHECK(F::kl_div(logp, p).item() == Approx(sum / 4));
  CHECK(std::isnan(F::kl_div(logp, tg::tensor({{-0.5, 1.5}, {0.0, 1.0}}, tg::kFloat64), F::KLDivFuncOptions().reduction(tg::kSum)).item()));
}

TEST_CASE("ranking losses: PyTorch's dimension messages", "[nn][loss]") {
  CHECK_THROWS_WITH(F::margin_ranking_loss(tg::ones({2, 3}), tg::ones({2, 3}), tg::ones({2})),
                    "margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: [2, 3], "
                    "input2: [2, 3], target: [2]");
  CHECK_THROWS_WITH(F::cosine_embedding_loss(tg::ones({2, 3}), tg::ones({2, 3}), tg::ones({2, 1})),
                    "0D or 1D target tensor expected, multi-target not supported");
  CHECK_THROWS_WITH(F::cosine_embedding_loss(tg::ones({3}), tg::ones({3}), tg::ones({2})),
                    "1D target tensor expects 2D input tensors, but found inputs with sizes [3] and [3].");
  // A zero vector's cosine stays finite (PyTorch's 1e-12 in the magnitudes).
  const tg::Tensor l = F::cosine_embedding_loss(tg::zeros({1, 3}), tg::ones({1, 3}), tg::ones({1}));
  CHECK(l.item() == 1.0);
}

TEST_CASE("likelihood losses: variance shape and sign checks, Stirling term only above 1", "[nn][loss]") {
  const tg::Tensor x = tg::zeros({2, 3}), t = tg::zeros({2, 3});
  CHECK_THROWS_WITH(F::gaussian_nll_loss(x, t, tg::ones({3})), "var is of incorrect size");
  CHECK_THROWS_WITH(F::gaussian_nll_loss(x, t, -tg::ones({2, 3})), "var has negative entry/entries");
  CHECK_NOTHROW(F::gaussian_nll_loss(x, t, tg::ones({2})));
  CHECK_NOTHROW(F::gaussian_nll_loss(x, t, tg::ones({2, 1})));
  // full adds nothing for targets <= 1, and its gradient there is finite.
  tg::Tensor rate = tg::zeros({2}, tg::kFloat64).requires_grad_();
  const tg::Tensor counts = tg::tensor({0.0, 1.0}, tg::kFloat64).requires_grad_();
  const tg::Tensor full = F::poisson_nll_loss(rate, counts, tg::nn::PoissonNLLLossOptions().full(true).reduction(tg::kSum));
  CHECK(full.item() == F::poisson_nll_loss(rate, counts, tg::nn::PoissonNLLLossOptions().reduction(tg::kSum)).item());
  full.backward();
  for (double g : tg::to_vector<double>(counts.grad())) CHECK(std::isfinite(g));
}
