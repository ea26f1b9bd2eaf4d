// BCELoss, BCEWithLogitsLoss and MSELoss: PyTorch 1.13's values, gradients (input and target),
// edge cases and error texts. Reference values are the spec's at full precision, or PyTorch 1.13
// float64 results for cases the spec does not list.
#include <cmath>
#include <limits>

#include <tapegrad/nn/nn.hpp>

#include "../support/helpers.hpp"

using namespace support;
namespace nn = tapegrad::nn;
namespace F = tapegrad::nn::functional;

namespace {

const tg::Reduction kReductions[] = {tg::kNone, tg::kMean, tg::kSum};

const std::vector<double> kProbs{0.9, 0.2, 0.5, 0.3, 0.99, 0.01};
const std::vector<double> kTargets{1, 0, 1, 0, 1, 0.5};
const std::vector<double> kLogits{2, -1, 0, -3, 4, 0.5};

}  // namespace

TEST_CASE("binary_cross_entropy reference values", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto p = leaf_from(kProbs, {2, 3}, dtype);
    auto loss = nn::BCELoss()(p, tg::from_vector(kTargets, {2, 3}, dtype));
    check_reference(loss, 0.6159977980408352);
    loss.backward();
    check_reference(p.grad(), {-0.1851851851851852, 0.2083333333333333, -0.3333333333333333, 0.2380952380952381,
                               -0.16835016835016833, -8.249158249158247});

    // weight (3) broadcast over the rows; sum; gradient w.r.t. the target too
    auto pw = leaf_from(kProbs, {2, 3}, dtype);
    auto y = leaf_from(kTargets, {2, 3}, dtype);
    auto lw = F::binary_cross_entropy(
        pw, y, F::BinaryCrossEntropyFuncOptions().weight(tg::tensor({1, 2, 0.5}, dtype)).reduction(tg::kSum));
    check_reference(lw, 2.428801954672352);
    lw.backward();
    check_reference(pw.grad(), {-1.1111111111111112, 2.4999999999999996, -1.0, 1.4285714285714286, -2.02020202020202,
                                -24.747474747474744});
    check_reference(y.grad(), {-2.1972245773362196, 2.772588722239781, 0.0, 0.8472978603872037, -9.19023970026918,
                               2.297559925067295});
  }
}

TEST_CASE("binary_cross_entropy clamps log at -100", "[nn]") {
  auto x = leaf_from({0.0, 1e-50, 0.5, 1.0}, {4}, tg::kFloat64);
  auto y = leaf_from({0.5, 0.5, 0.5, 0.5}, {4}, tg::kFloat64);
  auto loss = F::binary_cross_entropy(x, y, F::BCEFuncOptions().reduction(tg::kNone));
  check_reference(loss, {50, 50, 0.6931471805599453, 50});
  backward_of(loss);
  check_reference(x.grad(), {-5e11, -5e11, 0, 5e11});  // (x - y) / max(x(1-x), 1e-12)
  // d/dy = -logit(x) as PyTorch: unclamped, so infinite at 0 and 1
  const auto dy = tg::to_vector<double>(y.grad());
  CHECK(dy[0] == std::numeric_limits<double>::infinity());
  CHECK(dy[1] == Approx(115.12925464970229));
  CHECK(dy[2] == 0.0);
  CHECK(dy[3] == -std::numeric_limits<double>::infinity());
}

TEST_CASE("binary_cross_entropy_with_logits reference values", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto x = leaf_from(kLogits, {2, 3}, dtype);
    auto loss = nn::BCEWithLogitsLoss()(x, tg::from_vector(kTargets, {2, 3}, dtype));
    check_reference(loss, 0.32069185713213316);
    loss.backward();
    check_reference(x.grad(), {-0.01986715367035295, 0.04482357022833252, -0.08333333333333333, 0.00790431219626113,
                               -0.0029977016603485915, 0.020409888533642433});

    auto xp = leaf_from(kLogits, {2, 3}, dtype);
    auto yp = leaf_from(kTargets, {2, 3}, dtype);
    auto lp = nn::BCEWithLogitsLoss(nn::BCEWithLogitsLossOptions().pos_weight(tg::tensor({3, 1, 0.5}, dtype)))(xp, yp);
    check_reference(lp, 0.28548572142562423);
    lp.backward();
    check_reference(xp.grad(), {-0.05960146101105882, 0.04482357022833252, -0.041666666666666664, 0.00790431219626113,
                                -0.0029977016603485915, 0.03614074973356516});
    check_reference(yp.grad(), {-0.29102399631900916, 0.16666666666666666, -0.057762265046662105, 1.516195783857914,
                                -0.6666666666666666, -0.12283974868167556});

    // weight (2, 1) broadcast along the columns, pos_weight (3) along the last dim, kNone
    auto xw = leaf_from(kLogits, {2, 3}, dtype);
    auto yw = leaf_from(kTargets, {2, 3}, dtype);
    auto lw = F::binary_cross_entropy_with_logits(xw, yw,
                                                  F::BinaryCrossEntropyWithLogitsFuncOptions()
                                                      .weight(tg::from_vector(std::vector<double>{2, 0.5}, {2, 1}, dtype))
                                                      .pos_weight(tg::tensor({3, 1, 0.5}, dtype))
                                                      .reduction(tg::kNone));
    CHECK(lw.shape() == tg::Shape{2, 3});
    check_reference(lw, {0.7615680662578357, 0.6265233750364456, 0.6931471805599453, 0.024293675786871027,
                         0.00907496395890489, 0.30277886906754004});
    backward_of(lw);
    check_reference(xw.grad(), {-0.7152175321327059, 0.5378828427399902, -0.5, 0.02371293658878339, -0.008993104981045774,
                                0.10842224920069549});
    check_reference(yw.grad(), {-3.49228795582811, 2.0, -0.6931471805599453, 4.548587351573742, -1.9999999999999998,
                                -0.36851924604502667});

    // logits ±100 and ±1000 on the wrong side: exact losses and gradients ±1
    auto big = leaf_from({100, -100, 1000, -1000}, {4}, dtype);
    auto lb = F::binary_cross_entropy_with_logits(big, tg::tensor({0, 1, 0, 1}, dtype),
                                                  F::BCEWithLogitsFuncOptions().reduction(tg::kNone));
    CHECK(tg::to_vector<double>(lb) == std::vector<double>{100, 100, 1000, 1000});
    backward_of(lb);
    CHECK(tg::to_vector<double>(big.grad()) == std::vector<double>{1, -1, 1, -1});
  }
}

TEST_CASE("the saturation trap: sigmoid + BCE vs BCEWithLogits at logit 20 in float32", "[nn]") {
  auto z = tg::tensor({20.0}).requires_grad_();
  auto target = tg::tensor({0.0});
  auto trapped = nn::BCELoss()(nn::Sigmoid()(z), target);
  CHECK(trapped.item() == 100.0);  // sigmoid(20) rounds to 1 in float32: the log clamp gives 100
  trapped.backward();
  CHECK(z.grad().item() == 0.0);   // and no gradient gets through

  auto z2 = tg::tensor({20.0}).requires_grad_();
  auto stable = nn::BCEWithLogitsLoss()(z2, target);
  CHECK(stable.item() == Approx(20.0).epsilon(1e-6));
  stable.backward();
  CHECK(z2.grad().item() == Approx(1.0).epsilon(1e-6));
}

TEST_CASE("mse_loss reference values", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto a = leaf_from({1, 2, 3, 4}, {2, 2}, dtype);
    auto b = leaf_from({1.5, 1, 3, 2}, {2, 2}, dtype);
    auto loss = nn::MSELoss()(a, b);
    check_reference(loss, 1.3125);
    loss.backward();
    check_reference(a.grad(), {-0.25, 0.5, 0, 1});
    check_reference(b.grad(), {0.25, -0.5, 0, -1});

    auto a2 = leaf_from({1, 2, 3, 4}, {2, 2}, dtype);
    auto b2 = leaf_from({1.5, 1, 3, 2}, {2, 2}, dtype);
    auto sum = nn::MSELoss(tg::kSum)(a2, b2);
    check_reference(sum, 5.25);
    sum.backward();
    check_reference(a2.grad(), {-1, 2, 0, 4});
    check_reference(b2.grad(), {1, -2, 0, -4});

    auto none = F::mse_loss(a, b, F::MSELossFuncOptions().reduction(tg::kNone));
    CHECK(none.shape() == tg::Shape{2, 2});
    check_reference(none, {0.25, 1, 0, 4});
  }
}

TEST_CASE("element-wise losses on an empty batch: mean NaN, sum 0", "[nn]") {
  for (auto reduction : kReductions) {
    INFO(tg::reduction_name(reduction));
    auto x = tg::zeros({0, 3}, tg::kFloat64).requires_grad_();
    auto y = tg::zeros({0, 3}, tg::kFloat64);
    const tg::Tensor losses[] = {
        F::binary_cross_entropy(x, y, F::BCEFuncOptions().reduction(reduction)),
        F::binary_cross_entropy_with_logits(x, y, F::BCEWithLogitsFuncOptions().reduction(reduction)),
        F::mse_loss(x, y, F::MSELossFuncOptions().reduction(reduction))};
    for (const auto& loss : losses) {
      if (reduction == tg::kNone) CHECK(loss.shape() == tg::Shape{0, 3});
      if (reduction == tg::kSum) CHECK(loss.item() == 0.0);
      if (reduction == tg::kMean) CHECK(std::isnan(loss.item()));
      backward_of(loss);
      CHECK(x.grad().shape() == tg::Shape{0, 3});
    }
  }
}

TEST_CASE("BCE, BCEWithLogits and MSE error texts", "[nn]") {
  auto y = tg::zeros({2, 3});
  CHECK_THROWS_WITH(F::binary_cross_entropy(tg::tensor({{0.5, 1.5, 0.2}, {0, 1, 0.3}}), y),
                    "all elements of input should be between 0 and 1");
  CHECK_THROWS_WITH(F::binary_cross_entropy(tg::tensor({{0.5, -0.1, 0.2}, {0, 1, 0.3}}), y),
                    "all elements of input should be between 0 and 1");
  CHECK_THROWS_WITH(F::binary_cross_entropy(tg::tensor({{0.5, std::nan(""), 0.2}, {0, 1, 0.3}}), y),
                    "all elements of input should be between 0 and 1");
  CHECK_NOTHROW(F::binary_cross_entropy(tg::full({2, 3}, 0.5), tg::full({2, 3}, 2.0)));  // targets are not checked
  CHECK_THROWS_WITH(F::binary_cross_entropy(tg::full({1, 3}, 0.5), tg::zeros({3})),
                    "Using a target size ([3]) that is different to the input size ([1, 3]) is not supported. "
                    "Please ensure they have the same size.");
  CHECK_THROWS_WITH(F::binary_cross_entropy(tg::full({2, 3}, 0.5), y, F::BCEFuncOptions().weight(tg::ones({4}))),
                    Catch::Matchers::StartsWith("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"));
  CHECK_THROWS_WITH(F::binary_cross_entropy(tg::full({2, 3}, 0.5), y, F::BCEFuncOptions().weight(tg::ones({2, 2, 3}))),
                    "binary_cross_entropy: weight of shape [2, 2, 3] would enlarge the loss of shape [2, 3]");

  CHECK_THROWS_WITH(F::binary_cross_entropy_with_logits(tg::zeros({1, 3}), tg::zeros({3})),
                    "Target size ([3]) must be the same as input size ([1, 3])");
  CHECK_THROWS_WITH(
      F::binary_cross_entropy_with_logits(tg::zeros({2, 3}), y, F::BCEWithLogitsFuncOptions().pos_weight(tg::ones({2}))),
      Catch::Matchers::StartsWith("The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"));
  CHECK_THROWS_WITH(
      F::binary_cross_entropy_with_logits(tg::zeros({2, 3}), y, F::BCEWithLogitsFuncOptions().weight(tg::ones({4}))),
      Catch::Matchers::StartsWith("The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1"));

  CHECK_THROWS_WITH(F::mse_loss(tg::zeros({2, 3}), tg::zeros({3})),
                    "mse_loss: target size [3] must be the same as input size [2, 3] (tapegrad does not broadcast in "
                    "mse_loss)");
  // dtypes must agree (no silent promotion in a loss)
  CHECK_THROWS_AS(F::mse_loss(tg::zeros({2, 3}), tg::zeros({2, 3}, tg::kFloat64)), std::invalid_argument);
  CHECK_THROWS_AS(F::binary_cross_entropy(tg::zeros({2, 3}), tg::zeros({2, 3}, tg::kInt64)), std::invalid_argument);
  CHECK_THROWS_AS(F::binary_cross_entropy_with_logits(tg::zeros({2, 3}, tg::kInt64), tg::zeros({2, 3}, tg::kInt64)),
                  std::invalid_argument);
}

TEST_CASE("gradcheck: BCE, BCEWithLogits and MSE w.r.t. input and target", "[nn]") {
  tg::manual_seed(9);
  // probabilities kept well inside (0, 1), as the spec advises
  auto p = tg::add(tg::mul(tg::rand({3, 4}, tg::kFloat64), 0.9), 0.05).requires_grad_();
  auto logits = tg::mul(tg::randn({3, 4}, tg::kFloat64), 3.0).requires_grad_();
  auto y = tg::rand({3, 4}, tg::kFloat64).requires_grad_();
  auto other = tg::randn({3, 4}, tg::kFloat64).requires_grad_();
  for (auto reduction : kReductions)
    for (bool weighted : {false, true}) {
      INFO(tg::reduction_name(reduction) << (weighted ? " weighted" : ""));
      const tg::Tensor w = weighted ? tg::tensor({0.5, 2, 1.5, 0.25}, tg::kFloat64) : tg::Tensor();
      const tg::Tensor pw = weighted ? tg::from_vector(std::vector<double>{3, 0.5, 1.2}, {3, 1}) : tg::Tensor();
      gradcheck_ok([&](const std::vector<tg::Tensor>& in) {
        return F::binary_cross_entropy(in[0], in[1], F::BCEFuncOptions().weight(w).reduction(reduction));
      }, {p, y});
      gradcheck_ok([&](const std::vector<tg::Tensor>& in) {
        return F::binary_cross_entropy_with_logits(
            in[0], in[1], F::BCEWithLogitsFuncOptions().weight(w).pos_weight(pw).reduction(reduction));
      }, {logits, y});
    }
  for (auto reduction : kReductions) {
    INFO(tg::reduction_name(reduction));
    gradcheck_ok([&](const std::vector<tg::Tensor>& in) {
      return F::mse_loss(in[0], in[1], F::MSELossFuncOptions().reduction(reduction));
    }, {other, y});
  }
}

TEST_CASE("BCEWithLogitsLoss converts weight and pos_weight with to()", "[nn]") {
  nn::BCEWithLogitsLoss criterion(
      nn::BCEWithLogitsLossOptions().weight(tg::ones({3})).pos_weight(tg::tensor({3, 1, 0.5})).reduction(tg::kSum));
  REQUIRE(criterion.named_buffers().size() == 2);
  criterion.to(tg::kFloat64);
  CHECK(criterion.options.weight().dtype() == tg::kFloat64);
  CHECK(criterion.options.pos_weight().dtype() == tg::kFloat64);
  auto x = tg::from_vector(kLogits, {2, 3}, tg::kFloat64);
  auto loss = criterion(x, tg::from_vector(kTargets, {2, 3}, tg::kFloat64));
  check_reference(loss, 0.28548572142562423 * 6);
}
