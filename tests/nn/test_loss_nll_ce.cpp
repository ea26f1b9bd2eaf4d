// NLLLoss and CrossEntropyLoss: PyTorch 1.13's values, gradients, edge cases and error texts.
// Reference values are PyTorch 1.13's, at full precision (float64 results).
#include <cmath>
#include <sstream>

#include <tapegrad/nn/nn.hpp>

#include "../support/helpers.hpp"

using namespace support;
namespace nn = tapegrad::nn;
namespace F = tapegrad::nn::functional;

namespace {

const tg::Reduction kReductions[] = {tg::kNone, tg::kMean, tg::kSum};

const std::vector<double> kNllInput{-1.2, -0.5, -2, -0.3, -1.5, -0.9, -2.2, -0.1, -1};
const std::vector<double> kXC{1, 2, 0.5, 0.1, -1, 3, -0.5, 0, 0.5, 2, 2, 2};
const std::vector<double> kProbs{0.1, 0.7, 0.2, 0, 0, 1, 0.5, 0.25, 0.25, 0.3, 0.3, 0.4};
// A (2, 3, 2) input with targets (2, 2) holding one ignored entry, and class weights.
const std::vector<double> kX3{0.5, -1.0, 1.5, 0.2, -0.3, 0.8, 2.0, 0.1, -1.0, 0.4, 0.3, -0.6};
const std::vector<std::int64_t> kT3{2, 0, 1, -100};
const std::vector<double> kW3{0.5, 2.0, 1.5};

}  // namespace

TEST_CASE("nll_loss reference values", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto x = leaf_from(kNllInput, {3, 3}, dtype);
    auto loss = nn::NLLLoss()(x, labels({0, 2, 1}, {3}));
    check_reference(loss, 0.7333333333333334);
    loss.backward();
    const double third = -1.0 / 3;
    check_reference(x.grad(), {third, 0, 0, 0, 0, third, 0, third, 0});

    auto xw = leaf_from(kNllInput, {3, 3}, dtype);
    auto w = tg::tensor({0.2, 1, 3}, dtype);
    auto lw = nn::NLLLoss(nn::NLLLossOptions().weight(w))(xw, labels({0, -100, 1}, {3}));
    check_reference(lw, 0.2833333333333333);
    lw.backward();
    check_reference(xw.grad(), {-0.16666666666666669, 0, 0, 0, 0, 0, 0, -0.8333333333333334, 0});
  }
}

TEST_CASE("nll_loss on (N, C, d) and unbatched inputs", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    const std::vector<double> grad_sum{0, -0.5, 0, 0, -1.5, 0, 0, 0, -2, 0, 0, 0};
    for (auto reduction : kReductions) {
      INFO(tg::reduction_name(reduction));
      auto x = leaf_from(kX3, {2, 3, 2}, dtype);
      auto loss = F::nll_loss(x, labels(kT3, {2, 2}),
                              F::NLLLossFuncOptions().weight(tg::tensor({0.5, 2.0, 1.5}, dtype)).reduction(reduction));
      backward_of(loss);
      if (reduction == tg::kNone) {
        CHECK(loss.shape() == tg::Shape{2, 2});
        check_reference(loss, {0.45, 0.5, 2.0, 0.0});
      }
      if (reduction == tg::kSum) check_reference(loss, 2.95);
      if (reduction == tg::kMean) check_reference(loss, 0.7375);
      std::vector<double> grad = grad_sum;
      if (reduction == tg::kMean)
        for (double& g : grad) g /= 4.0;  // Σ w[t] over the non-ignored targets: 1.5 + 0.5 + 2
      check_reference(x.grad(), grad);
    }
    auto x = leaf_from({0.2, 0.1, -0.1}, {3}, dtype);
    auto loss = F::nll_loss(x, labels({1}, {}), F::NLLLossFuncOptions().weight(tg::tensor({1, 3, 1}, dtype)));
    CHECK(loss.dim() == 0);
    check_reference(loss, -0.1);
    loss.backward();
    check_reference(x.grad(), {0, -1, 0});
  }
}

TEST_CASE("cross_entropy reference values with class indices", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto x = leaf_from({0.2, 0.1, -0.1}, {1, 3}, dtype);
    auto loss = nn::CrossEntropyLoss()(x, labels({0}, {1}));
    check_reference(loss, 0.9729189131256585);
    loss.backward();
    check_reference(x.grad(), {-0.6220218590183982, 0.3420087651598245, 0.28001309385857376});

    auto xw = leaf_from(kXC, {4, 3}, dtype);
    auto lw = nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().weight(tg::tensor({1, 2, 0.5}, dtype)))(
        xw, labels({1, -100, 0, 2}, {4}));
    check_reference(lw, 0.9023752523404799);
    lw.backward();
    check_reference(xw.grad(), {0.13212794149837087, -0.21226758902185003, 0.08013964752347913, 0, 0, 0,
                                -0.2324789362211864, 0.0877702530624281, 0.1447086831587583, 0.047619047619047616,
                                0.047619047619047616, -0.09523809523809523});

    auto xs = leaf_from(kXC, {4, 3}, dtype);
    auto ls = nn::CrossEntropyLoss(nn::CrossEntropyLossOptions().label_smoothing(0.1))(xs, labels({1, 2, 0, 2}, {4}));
    check_reference(ls, 0.8943395739279036);
    ls.backward();
    check_reference(xs.grad(), {0.04947264107220393, -0.07620040353039273, 0.026727762458188788, 0.0044825680937525866,
                                -0.004067290336731481, -0.00041527775702110414, -0.18675240252687145,
                                0.06846563809629126, 0.11828676443058017, 0.075, 0.075, -0.15000000000000002});

    // weights, ignore_index and label_smoothing together: the smoothing term shares the Σ w[t] denominator
    auto xa = leaf_from(kXC, {4, 3}, dtype);
    auto la = F::cross_entropy(
        xa, labels({1, -100, 0, 2}, {4}),
        F::CrossEntropyFuncOptions().weight(tg::tensor({1, 2, 0.5}, dtype)).label_smoothing(0.3));
    check_reference(la, 0.9631306081229719);
    la.backward();
    check_reference(xa.grad(), {0.08704052023964595, -0.1428769975369759, 0.055836477297329955, 0, 0, 0,
                                -0.1726743116036743, 0.03501590857269237, 0.13765840303098192, 0.0380952380952381,
                                0.009523809523809526, -0.047619047619047616});
  }
}

TEST_CASE("cross_entropy on (N, C, d) with weight, ignore_index and label_smoothing", "[nn]") {
  const std::vector<double> grad_sum{0.31858692497851027, -0.36904386235048064, 0.8232851099023645,
                                     0.08011522723061607, -1.1418720348808746,  0.28892863511986444,
                                     1.481239653759603,   0.0,                  -1.6579271844768175,
                                     0.0,                 0.1766875307172146,   0.0};
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    for (auto reduction : kReductions) {
      INFO(tg::reduction_name(reduction));
      auto x = leaf_from(kX3, {2, 3, 2}, dtype);
      auto loss = F::cross_entropy(x, labels(kT3, {2, 2}),
                                   F::CrossEntropyFuncOptions()
                                       .weight(tg::tensor({0.5, 2.0, 1.5}, dtype))
                                       .label_smoothing(0.2)
                                       .reduction(reduction));
      backward_of(loss);
      if (reduction == tg::kNone) {
        CHECK(loss.shape() == tg::Shape{2, 2});
        check_reference(loss, {3.00010294961312, 1.219262867574189, 5.76017209755078, 0.0});
      }
      if (reduction == tg::kSum) check_reference(loss, 9.979537914738087);
      if (reduction == tg::kMean) check_reference(loss, 2.4948844786845217);
      std::vector<double> grad = grad_sum;
      if (reduction == tg::kMean)
        for (double& g : grad) g /= 4.0;
      check_reference(x.grad(), grad);
    }
  }
}

TEST_CASE("cross_entropy with class-probability targets", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto x = leaf_from(kXC, {4, 3}, dtype);
    auto p = leaf_from(kProbs, {4, 3}, dtype);
    auto loss = F::cross_entropy(x, p);
    check_reference(loss, 0.8347562405945701);
    loss.backward();
    check_reference(x.grad(), {0.03280597440553726, -0.01786707019705938, -0.014938904208477884, 0.01281590142708592,
                               0.0042660429966018525, -0.017081944423687767, -0.07841906919353811, 0.014298971429624593,
                               0.0641200977639135, 0.008333333333333331, 0.008333333333333331, -0.016666666666666677});
    check_reference(p.grad(), {0.3660921960269862, 0.11609219602698623, 0.4910921960269862, 0.7426935547401228,
                               1.017693554740123, 0.01769355474012283, 0.42006741766043365, 0.29506741766043365,
                               0.17006741766043365, 0.27465307216702745, 0.27465307216702745, 0.27465307216702745});

    auto xw = leaf_from(kXC, {4, 3}, dtype);
    auto pw = leaf_from(kProbs, {4, 3}, dtype);
    auto lw = F::cross_entropy(
        xw, pw,
        F::CrossEntropyFuncOptions().weight(tg::tensor({1, 2, 0.5}, dtype)).label_smoothing(0.1).reduction(tg::kSum));
    check_reference(lw, 4.135241567231313);
    lw.backward();
    check_reference(xw.grad(), {0.23660520063181198, -0.34825229042702316, 0.11164708979521105, -0.0042839567652719155,
                                -0.05699696920770247, 0.061280925972974375, -0.2729427958574805, -0.16979131237619563,
                                0.442734108233676, 0.06555555555555553, -0.2377777777777778, 0.1722222222222222});
    check_reference(pw.grad(), {1.3179319056971504, 0.8358638113943009, 0.8839659528485753, 2.673696797064442,
                                7.3273935941288855, 0.0318483985322211, 1.5122427035775612, 2.1244854071551225,
                                0.3061213517887806, 0.9887510598012988, 1.9775021196025977, 0.4943755299006494});
    // A negative ignore_index is simply unused with probabilities.
    CHECK_NOTHROW(F::cross_entropy(xw, pw, F::CrossEntropyFuncOptions().ignore_index(-1)));
  }
}

TEST_CASE("cross_entropy on an unbatched (C) input with a 0-d target", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto x = leaf_from({0.2, 0.1, -0.1}, {3}, dtype);
    auto loss = F::cross_entropy(x, labels({2}, {}), F::CrossEntropyFuncOptions().reduction(tg::kNone));
    CHECK(loss.dim() == 0);
    check_reference(loss, 1.2729189131256584);
    loss.backward();
    check_reference(x.grad(), {0.37797814098160176, 0.3420087651598245, -0.7199869061414262});
  }
}

TEST_CASE("cross_entropy of logits [1000, 0, -1000] is exact", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto x = tg::tensor({1000, 0, -1000}, dtype).requires_grad_();
    auto right = F::cross_entropy(x, labels({0}, {}));
    CHECK(right.item() == 0.0);
    right.backward();
    CHECK(tg::to_vector<double>(x.grad()) == std::vector<double>{0, 0, 0});

    x.set_grad(tg::Tensor());
    auto wrong = F::cross_entropy(x, labels({2}, {}));
    CHECK(wrong.item() == 2000.0);
    wrong.backward();
    CHECK(tg::to_vector<double>(x.grad()) == std::vector<double>{1, 0, -1});
  }
}

TEST_CASE("NaN semantics: all targets ignored, empty batches, zero total weight", "[nn]") {
  auto all_ignored = labels({-100, -100, -100}, {3});
  for (auto reduction : kReductions) {
    INFO(tg::reduction_name(reduction));
    for (int which = 0; which < 2; ++which) {
      INFO((which == 0 ? "nll_loss" : "cross_entropy with label_smoothing"));
      auto x = leaf_from(kNllInput, {3, 3}, tg::kFloat64);
      auto loss = which == 0 ? F::nll_loss(x, all_ignored, F::NLLLossFuncOptions().reduction(reduction))
                             : F::cross_entropy(x, all_ignored,
                                                F::CrossEntropyFuncOptions().label_smoothing(0.1).reduction(reduction));
      if (reduction == tg::kMean) CHECK(std::isnan(loss.item()));
      else CHECK(all_zero(loss));
      backward_of(loss);
      CHECK(all_zero(x.grad()));  // zero gradient, not NaN
    }
  }
  SECTION("empty batch: mean NaN, sum 0, none empty") {
    for (auto reduction : kReductions) {
      INFO(tg::reduction_name(reduction));
      auto x = tg::zeros({0, 3}, tg::kFloat64).requires_grad_();
      auto index_loss = F::cross_entropy(x, labels({}, {0}), F::CrossEntropyFuncOptions().reduction(reduction));
      auto prob_loss = F::cross_entropy(x, tg::zeros({0, 3}, tg::kFloat64), F::CrossEntropyFuncOptions().reduction(reduction));
      auto nll = F::nll_loss(x, labels({}, {0}), F::NLLLossFuncOptions().reduction(reduction));
      for (const auto& loss : {index_loss, prob_loss, nll}) {
        if (reduction == tg::kNone) CHECK(loss.shape() == tg::Shape{0});
        if (reduction == tg::kSum) CHECK(loss.item() == 0.0);
        if (reduction == tg::kMean) CHECK(std::isnan(loss.item()));
        backward_of(loss);
        CHECK(x.grad().shape() == tg::Shape{0, 3});
      }
    }
  }
  SECTION("targets whose classes all weigh 0: mean NaN with NaN gradients, as PyTorch") {
    auto w = tg::tensor({0, 0, 1}, tg::kFloat64);
    auto x = leaf_from(kNllInput, {3, 3}, tg::kFloat64);
    auto nll = F::nll_loss(x, labels({0, 0, 1}, {3}), F::NLLLossFuncOptions().weight(w));
    CHECK(std::isnan(nll.item()));
    nll.backward();
    const auto g = tg::to_vector<double>(x.grad());
    CHECK((std::isnan(g[0]) && std::isnan(g[3]) && std::isnan(g[7])));  // at the targets
    CHECK((g[1] == 0 && g[2] == 0 && g[8] == 0));                        // zero elsewhere
    auto xc = leaf_from(kNllInput, {3, 3}, tg::kFloat64);
    auto ce = F::cross_entropy(xc, labels({0, 0, 1}, {3}), F::CrossEntropyFuncOptions().weight(w));
    CHECK(std::isnan(ce.item()));
    ce.backward();
    CHECK(all_nan(xc.grad()));
  }
}

TEST_CASE("nll_loss and cross_entropy error texts", "[nn]") {
  auto x = tg::zeros({3, 3});
  auto t = labels({0, 1, 2}, {3});
  for (int which = 0; which < 2; ++which) {
    INFO((which == 0 ? "nll_loss" : "cross_entropy"));
    auto loss = [which](const tg::Tensor& input, const tg::Tensor& target, const tg::Tensor& weight = {}) {
      return which == 0 ? F::nll_loss(input, target, F::NLLLossFuncOptions().weight(weight))
                        : F::cross_entropy(input, target, F::CrossEntropyFuncOptions().weight(weight));
    };
    CHECK_THROWS_AS(loss(x, labels({0, 3, 1}, {3})), std::out_of_range);
    CHECK_THROWS_WITH(loss(x, labels({0, 3, 1}, {3})), "Target 3 is out of bounds.");
    CHECK_THROWS_WITH(loss(x, labels({0, -1, 1}, {3})), "Target -1 is out of bounds.");
    CHECK_THROWS_WITH(loss(x, labels({0, 1}, {2})), "Expected input batch_size (3) to match target batch_size (2).");
    CHECK_THROWS_WITH(loss(x, t, tg::ones({4})),
                      "weight tensor should be defined either for all 3 classes or no classes but got weight tensor "
                      "of shape: [4]");
    CHECK_THROWS_WITH(loss(x, t, tg::ones({3, 1})),
                      "weight tensor should be defined either for all 3 classes or no classes but got weight tensor "
                      "of shape: [3, 1]");
    if (which == 0) CHECK_THROWS_WITH(loss(tg::scalar_tensor(1.0), labels({0}, {})), "Expected 1 or more dimensions (got 0)");
    CHECK_THROWS_WITH(loss(tg::zeros({3}), labels({0}, {1})), "size mismatch (got input: [3], target: [1])");
    // A column of labels (N, 1): both shapes and the one the target should have.
    CHECK_THROWS_WITH(loss(tg::zeros({3, 10}), labels({0, 1, 2}, {3, 1})),
                      "0D or 1D target tensor expected, multi-target not supported: got input of shape [3, 10] and "
                      "target of shape [3, 1]; the target should have shape [3] (N), one class index per sample");
    CHECK_THROWS_WITH(loss(tg::zeros({3}), labels({0}, {1, 1})),
                      "0D or 1D target tensor expected, multi-target not supported: got input of shape [3] and "
                      "target of shape [1, 1]; the target should have shape [], a single class index");
    CHECK_THROWS_WITH(loss(tg::zeros({2, 3, 4}), labels(std::vector<std::int64_t>(10, 0), {2, 5})),
                      "Expected target size [2, 4], got [2, 5]");
    CHECK_THROWS_WITH(loss(tg::zeros({2, 3, 4}), labels({0, 0}, {2})), "Expected target size [2, 4], got [2]");
    // The function and the argument are named (PyTorch only says "expected scalar type Long but found Float").
    CHECK_THROWS_WITH(loss(x, tg::zeros({3})), std::string(which == 0 ? "nll_loss" : "cross_entropy") +
                                                   ": expected target (class indices) of scalar type Long but found Float; "
                                                   "class indices must be int64 (target.to(kInt64))");
    CHECK_THROWS_AS(loss(x, t, tg::ones({3}, tg::kFloat64)), std::invalid_argument);  // weight dtype != input dtype
  }
  CHECK_THROWS_WITH(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().label_smoothing(1.5)),
                    "label_smoothing must be between 0.0 and 1.0. Got: 1.5");
  // PyTorch 1.13 lets a negative value through; tapegrad keeps to the range its message states.
  CHECK_THROWS_WITH(F::cross_entropy(x, t, F::CrossEntropyFuncOptions().label_smoothing(-0.5)),
                    "label_smoothing must be between 0.0 and 1.0. Got: -0.5");
  CHECK_THROWS_WITH(F::cross_entropy(x, tg::zeros({3, 3}), F::CrossEntropyFuncOptions().ignore_index(0)),
                    "ignore_index is not supported for floating point target");
  CHECK_THROWS_WITH(F::cross_entropy(x, tg::zeros({3, 3}, tg::kInt64)),
                    "Expected floating point type for target with class probabilities, got Long");
  // A 0-d input with a 0-d target has equal shapes, so it reads as probabilities (as PyTorch).
  CHECK_THROWS_WITH(F::cross_entropy(tg::scalar_tensor(1.0), labels({0}, {})),
                    "Expected floating point type for target with class probabilities, got Long");
  CHECK_THROWS_WITH(F::cross_entropy(tg::scalar_tensor(1.0), tg::scalar_tensor(0.5)),
                    "Expected 1 or more dimensions (got 0)");
  CHECK_THROWS_WITH(F::cross_entropy(x, tg::zeros({3, 3}), F::CrossEntropyFuncOptions().weight(tg::ones({4}))),
                    "cross_entropy: weight tensor should be defined either for all 3 classes or no classes but got "
                    "weight tensor of shape: [4]");
}

TEST_CASE("CrossEntropyLoss(x, t) == NLLLoss(LogSoftmax(x), t) in value and gradient", "[nn]") {
  struct Case { tg::Shape shape; std::vector<std::int64_t> target; tg::Shape target_shape; };
  const Case cases[] = {{{4, 3}, {1, -100, 0, 2}, {4}}, {{2, 3, 2}, kT3, {2, 2}}, {{3}, {1}, {}}};
  tg::manual_seed(7);
  for (const auto& c : cases) {
    INFO("input " << tg::shape_str(c.shape));
    const auto data = tg::randn(c.shape, tg::kFloat64);
    for (auto reduction : kReductions)
      for (bool weighted : {false, true})
        for (std::int64_t ignore : {-100, 1}) {
          INFO(tg::reduction_name(reduction) << (weighted ? " weighted" : "") << " ignore_index " << ignore);
          const tg::Tensor w = weighted ? tg::tensor({0.3, 2.0, 1.1}, tg::kFloat64) : tg::Tensor();
          auto x1 = data.clone().detach().requires_grad_();
          auto x2 = data.clone().detach().requires_grad_();
          std::vector<std::int64_t> target = c.target;  // the -100 entries become the ignored class
          for (auto& v : target) v = v == -100 ? ignore : v;
          auto t = labels(target, c.target_shape);
          auto ce = nn::CrossEntropyLoss(
              nn::CrossEntropyLossOptions().weight(w).ignore_index(ignore).reduction(reduction))(x1, t);
          auto nll = nn::NLLLoss(nn::NLLLossOptions().weight(w).ignore_index(ignore).reduction(reduction))(
              nn::LogSoftmax(c.shape.size() == 1 ? 0 : 1)(x2), t);
          check_close(ce, nll);
          backward_of(ce);
          backward_of(nll);
          check_close(x1.grad(), x2.grad());
        }
  }
}

TEST_CASE("(B, T, V) logits: (B*T, V) rows give the loss of the (B, V, T) layout", "[nn]") {
  tg::manual_seed(11);
  const std::int64_t B = 2, T = 5, V = 7;
  const auto logits = tg::randn({B, T, V}, tg::kFloat64);
  auto targets = tg::randint(0, V, {B, T});
  targets.data<std::int64_t>()[3] = -100;  // one padded position
  for (auto reduction : kReductions) {
    INFO(tg::reduction_name(reduction));
    const auto options = F::CrossEntropyFuncOptions().label_smoothing(0.05).reduction(reduction);
    auto a = logits.clone().detach().requires_grad_();
    auto b = logits.clone().detach().requires_grad_();
    auto rows = F::cross_entropy(tg::reshape(a, {B * T, V}), tg::reshape(targets, {B * T}), options);
    auto channels = F::cross_entropy(tg::permute(b, {0, 2, 1}), targets, options);
    check_close(reduction == tg::kNone ? tg::reshape(rows, {B, T}) : rows, channels);
    backward_of(rows);
    backward_of(channels);
    check_close(a.grad(), b.grad());
  }
}

TEST_CASE("gradcheck: nll_loss and cross_entropy across options", "[nn]") {
  tg::manual_seed(5);
  struct Case { tg::Shape shape; std::vector<std::int64_t> target; tg::Shape target_shape; };
  const Case cases[] = {{{4, 3}, {1, -100, 0, 2}, {4}}, {{2, 3, 2}, kT3, {2, 2}}, {{3}, {2}, {}}};
  for (const auto& c : cases) {
    INFO("input " << tg::shape_str(c.shape));
    auto x = tg::randn(c.shape, tg::kFloat64).requires_grad_();
    auto t = labels(c.target, c.target_shape);
    for (auto reduction : kReductions)
      for (bool weighted : {false, true}) {
        INFO(tg::reduction_name(reduction) << (weighted ? " weighted" : ""));
        const tg::Tensor w = weighted ? tg::tensor({0.3, 2.0, 1.1}, tg::kFloat64) : tg::Tensor();
        gradcheck_ok([&](const std::vector<tg::Tensor>& in) {
          return F::nll_loss(in[0], t, F::NLLLossFuncOptions().weight(w).reduction(reduction));
        }, {x});
        for (double smoothing : {0.0, 0.25}) {
          INFO("label_smoothing " << smoothing);
          gradcheck_ok([&](const std::vector<tg::Tensor>& in) {
            return F::cross_entropy(in[0], t,
                                    F::CrossEntropyFuncOptions().weight(w).reduction(reduction).label_smoothing(smoothing));
          }, {x});
          // probability targets: w.r.t. the logits and the target
          auto probs = tg::softmax(tg::randn(c.shape, tg::kFloat64), c.shape.size() == 1 ? 0 : 1).detach().requires_grad_();
          gradcheck_ok([&](const std::vector<tg::Tensor>& in) {
            return F::cross_entropy(in[0], in[1],
                                    F::CrossEntropyFuncOptions().weight(w).reduction(reduction).label_smoothing(smoothing));
          }, {x, probs});
        }
      }
  }
}

TEST_CASE("loss modules hold their options, convert weights with to(), and print", "[nn]") {
  auto w = tg::tensor({1, 2, 0.5});
  nn::CrossEntropyLoss criterion(nn::CrossEntropyLossOptions().weight(w).label_smoothing(0.1).ignore_index(1));
  auto x = tg::tensor({{1, 2, 0.5}, {0.1, -1, 3}}, tg::kFloat64);
  auto t = labels({0, 2}, {2});
  CHECK_THROWS_AS(criterion(x, t), std::invalid_argument);  // float32 weight, float64 input
  criterion.to(tg::kFloat64);
  CHECK(criterion.options.weight().dtype() == tg::kFloat64);
  REQUIRE(criterion.named_buffers().size() == 1);
  CHECK(criterion.named_buffers()[0].first == "weight");
  CHECK(criterion.parameters().empty());
  check_close(criterion(x, t), tg::nn::F::cross_entropy(x, t, criterion.options));  // nn::F is the alias

  std::ostringstream os;
  os << criterion << " " << nn::NLLLoss(nn::NLLLossOptions().reduction(tg::kSum));
  CHECK(os.str() == "CrossEntropyLoss(ignore_index=1, reduction=mean, label_smoothing=0.100000) "
                    "NLLLoss(ignore_index=-100, reduction=sum)");
}
