// nn modules: Linear, activations, Sequential, and the Module machinery they rely on.
#include <cmath>
#include <sstream>
#include <string>
#include <type_traits>

#include <tapegrad/nn/nn.hpp>

#include "../support/helpers.hpp"

using namespace support;
namespace nn = tapegrad::nn;

namespace {

// The spec's Linear: W=[[0.1,-0.2,0.3],[0.4,0.5,-0.6]], b=[0.01,-0.02], in dtype.
nn::Linear reference_linear(tg::Dtype dtype) {
  nn::Linear lin(3, 2);
  lin.to(dtype);
  tg::NoGradGuard no_grad;  // writing parameters in place, as torch.no_grad() requires
  lin.weight.copy_(tg::tensor({{0.1, -0.2, 0.3}, {0.4, 0.5, -0.6}}, tg::kFloat64));
  lin.bias.copy_(tg::tensor({0.01, -0.02}, tg::kFloat64));
  return lin;
}

}  // namespace

TEST_CASE("Linear matches the reference values and gradients", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    nn::Linear lin = reference_linear(dtype);
    auto x = tg::tensor({{1, 2, 3}, {-1, 0.5, 2}}, dtype).requires_grad_();
    auto y = lin(x);
    check_reference(y, {0.61, -0.42, 0.41, -1.37});
    y.backward(tg::tensor({{1, -1}, {0.5, 2}}, dtype));
    check_reference(x.grad(), {-0.3, -0.7, 0.9, 0.85, 0.9, -1.05});
    check_reference(lin.weight.grad(), {0.5, 2.25, 4, -3, -1, 1});
    check_reference(lin.bias.grad(), {1.5, 1});
  }
}

TEST_CASE("Linear takes 1-D, (*, in) and empty-batch inputs", "[nn]") {
  nn::Linear lin = reference_linear(tg::kFloat64);
  SECTION("1-D input gives a 1-D output") {
    auto y = lin(tg::tensor({1, 2, 3}, tg::kFloat64));
    CHECK(y.shape() == tg::Shape{2});
    check_reference(y, {0.61, -0.42});
  }
  SECTION("leading dims are kept") {
    auto y = lin(tg::zeros({2, 4, 3}, tg::kFloat64));
    CHECK(y.shape() == tg::Shape{2, 4, 2});
  }
  SECTION("an empty batch flows forward and backward") {
    auto x = tg::zeros({0, 3}, tg::kFloat64).requires_grad_();
    auto y = lin(x);
    CHECK(y.shape() == tg::Shape{0, 2});
    tg::sum(y).backward();
    CHECK(x.grad().shape() == tg::Shape{0, 3});
    CHECK(all_zero(lin.weight.grad()));
    CHECK(all_zero(lin.bias.grad()));
  }
  SECTION("a wrong feature count names both shapes") {
    CHECK_THROWS_WITH(lin(tg::zeros({2, 4}, tg::kFloat64)), "mat1 and mat2 shapes cannot be multiplied (2x4 and 3x2)");
  }
}

TEST_CASE("Linear initialisation: U(±1/sqrt(in)), deterministic under manual_seed", "[nn]") {
  tg::manual_seed(0);
  nn::Linear a(784, 512);
  const double bound = 1.0 / std::sqrt(784.0);
  for (const auto& p : {a.weight, a.bias}) {
    const auto v = tg::to_vector<double>(p);
    double lo = 1, hi = -1, mean = 0;
    for (double e : v) { lo = std::min(lo, e); hi = std::max(hi, e); mean += e / static_cast<double>(v.size()); }
    CHECK(lo >= -bound);
    CHECK(hi <= bound);
    CHECK(lo < -0.95 * bound);  // the draws fill the interval...
    CHECK(hi > 0.95 * bound);
    CHECK(std::abs(mean) < 0.1 * bound);  // ...evenly
  }
  CHECK(a.weight.shape() == tg::Shape{512, 784});
  CHECK(a.bias.shape() == tg::Shape{512});
  CHECK(a.weight.requires_grad());

  tg::manual_seed(0);
  nn::Linear b(784, 512);
  CHECK(tg::to_vector<float>(a.weight) == tg::to_vector<float>(b.weight));
  CHECK(tg::to_vector<float>(a.bias) == tg::to_vector<float>(b.bias));
  tg::manual_seed(1);
  nn::Linear c(784, 512);
  CHECK(tg::to_vector<float>(a.weight) != tg::to_vector<float>(c.weight));
}

TEST_CASE("Linear without bias registers only its weight", "[nn]") {
  nn::Linear lin(nn::LinearOptions(4, 3).bias(false));
  CHECK_FALSE(lin.bias.defined());
  const auto named = lin.named_parameters();
  REQUIRE(named.size() == 1);
  CHECK(named[0].first == "weight");
  auto y = lin(tg::ones({2, 4}));
  CHECK(y.shape() == tg::Shape{2, 3});
}

TEST_CASE("ReLU, Softmax and LogSoftmax match the reference values", "[nn]") {
  for (auto dtype : kFloatDtypes) {
    INFO(tg::dtype_name(dtype));
    auto x = tg::tensor({-1, 0, 0.5, 2}, dtype).requires_grad_();
    auto y = nn::ReLU()(x);
    check_reference(y, {0, 0, 0.5, 2});
    y.backward(tg::tensor({1, 2, 3, 4}, dtype));
    check_reference(x.grad(), {0, 0, 3, 4});  // gradient 0 at exactly 0

    // The spec's values, at full precision (PyTorch 1.13, float64).
    const std::vector<double> softmax_row{0.09003057317038045, 0.2447284710547976, 0.6652409557748218};
    const std::vector<double> log_softmax_row{-2.4076059644443806, -1.4076059644443804, -0.4076059644443804};
    for (std::int64_t dim : {1, -1}) {
      INFO("dim " << dim);
      auto xs = tg::tensor({{1, 2, 3}, {-1, 0, 1}}, dtype).requires_grad_();
      auto g = tg::tensor({{0.1, -0.2, 0.3}, {1, 0.5, -0.5}}, dtype);
      auto s = nn::Softmax(dim)(xs);
      std::vector<double> both(softmax_row);
      both.insert(both.end(), softmax_row.begin(), softmax_row.end());
      check_reference(s, both);
      s.backward(g);
      check_reference(xs.grad(), {-0.005368491552911496, -0.08801161435095449, 0.09338010590386599, 0.10085455907731554,
                                  0.15178687972971724, -0.2526414388070328});

      auto xl = tg::tensor({{1, 2, 3}, {-1, 0, 1}}, dtype).requires_grad_();
      auto l = nn::LogSoftmax(dim)(xl);
      both.assign(log_softmax_row.begin(), log_softmax_row.end());
      both.insert(both.end(), log_softmax_row.begin(), log_softmax_row.end());
      check_reference(l, both);
      l.backward(g);
      check_reference(xl.grad(), {0.08199388536592392, -0.24894569421095952, 0.16695180884503563, 0.9099694268296196,
                                  0.25527152894520233, -1.1652409557748218});
    }
  }
}

TEST_CASE("Softmax stays finite for large logits and rejects an out-of-range dim", "[nn]") {
  for (auto dtype : {tg::kFloat32, tg::kFloat64}) {
    INFO(tg::dtype_name(dtype));
    auto y = nn::Softmax(0)(tg::tensor({1000, 1001, 1002}, dtype));
    check_reference(y, {0.09003057317038045, 0.2447284710547976, 0.6652409557748218});
    auto log_y = nn::LogSoftmax(0)(tg::tensor({1000, 1001, 1002}, dtype));
    check_reference(log_y, {-2.40760596444438, -1.40760596444438, -0.40760596444438});
  }
  CHECK_THROWS_WITH(nn::Softmax(2)(tg::zeros({2, 3})),
                    "Dimension out of range (expected to be in range of [-2, 1], but got 2)");
  CHECK_THROWS_WITH(nn::LogSoftmax(-3)(tg::zeros({2, 3})),
                    "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
}

TEST_CASE("gradcheck: every module w.r.t. its input and parameters", "[nn]") {
  auto x = leaf_from({0.3, -1.2, 0.7, 2.0, -0.4, 0.9, -1.5, 0.25, 1.1, -0.8, 0.6, -0.05}, {4, 3});
  SECTION("Linear") {
    nn::Linear lin(3, 2);
    lin.to(tg::kFloat64);
    gradcheck_ok([&](const std::vector<tg::Tensor>& in) { return lin(in[0]); }, {x, lin.weight, lin.bias});
  }
  SECTION("Linear on a 1-D input") {
    nn::Linear lin(3, 2);
    lin.to(tg::kFloat64);
    gradcheck_ok([&](const std::vector<tg::Tensor>& in) { return lin(in[0]); },
                 {leaf_from({0.5, -1, 2}, {3}), lin.weight, lin.bias});
  }
  SECTION("ReLU away from the kink") {
    gradcheck_ok([](const std::vector<tg::Tensor>& in) { return nn::ReLU()(in[0]); }, {x});
  }
  SECTION("Sigmoid") { gradcheck_ok([](const std::vector<tg::Tensor>& in) { return nn::Sigmoid()(in[0]); }, {x}); }
  SECTION("Tanh") { gradcheck_ok([](const std::vector<tg::Tensor>& in) { return nn::Tanh()(in[0]); }, {x}); }
  SECTION("Softmax and LogSoftmax along every dim") {
    for (std::int64_t dim : {0, 1, -1}) {
      INFO("dim " << dim);
      gradcheck_ok([dim](const std::vector<tg::Tensor>& in) { return nn::Softmax(dim)(in[0]); }, {x});
      gradcheck_ok([dim](const std::vector<tg::Tensor>& in) { return nn::LogSoftmax(dim)(in[0]); }, {x});
    }
  }
  SECTION("Sequential") {
    tg::manual_seed(3);
    nn::Sequential model(nn::Linear(3, 5), nn::Tanh(), nn::Linear(5, 2), nn::LogSoftmax(1));
    model.to(tg::kFloat64);
    std::vector<tg::Tensor> inputs{x};
    for (const auto& p : model.parameters()) inputs.push_back(p);
    gradcheck_ok([&](const std::vector<tg::Tensor>& in) { return model(in[0]); }, inputs);
  }
}

TEST_CASE("Sequential: order, names, indexing, train/eval, printing", "[nn]") {
  nn::Sequential model(nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2));
  CHECK(model.size() == 3);
  std::vector<std::string> names;
  for (const auto& [name, p] : model.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  CHECK(model.parameters().size() == 4);

  // forward is the composition of the children, in order
  auto x = tg::tensor({{1, -2, 3, 0.5}, {0, 1, -1, 2}});
  auto& first = model.at<nn::Linear>(0);
  auto& last = model.at<nn::Linear>(2);
  check_reference(model(x), tg::to_vector<double>(last(tg::relu(first(x)))));
  CHECK_THROWS_AS(model.at<nn::Linear>(1), std::invalid_argument);
  CHECK_THROWS_AS(model[3], std::out_of_range);

  CHECK(model.is_training());
  model.eval();
  CHECK_FALSE(model.is_training());
  CHECK_FALSE(model[0].is_training());
  model.train();
  CHECK(model[2].is_training());

  model.push_back(nn::Softmax(-1));
  CHECK(model.size() == 4);
  std::ostringstream os;
  os << model;
  CHECK(os.str() ==
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=true)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=2, bias=true)\n"
        "  (3): Softmax(dim=-1)\n"
        ")");
}

// Modules share their parameters by handle: a copy would silently alias them, so only moves exist.
static_assert(!std::is_copy_constructible_v<nn::Linear> && std::is_move_constructible_v<nn::Linear>);
static_assert(!std::is_copy_constructible_v<nn::Sequential> && std::is_move_constructible_v<nn::Sequential>);
static_assert(!std::is_copy_constructible_v<nn::CrossEntropyLoss> && std::is_move_constructible_v<nn::CrossEntropyLoss>);

TEST_CASE("a moved Linear keeps its parameters", "[nn]") {
  nn::Linear a(3, 2);
  const auto weight = a.weight;
  nn::Linear b(std::move(a));
  CHECK(b.weight.is_same(weight));
  REQUIRE(b.parameters().size() == 2);
  CHECK(b.parameters()[0].is_same(weight));
  CHECK(b(tg::ones({4, 3})).shape() == tg::Shape{4, 2});
}

TEST_CASE("a module used after being moved from says so", "[nn]") {
  nn::Linear lin(3, 2);
  nn::Sequential seq(std::move(lin));
  CHECK(seq.size() == 1);
  CHECK_THROWS_WITH(lin(tg::ones({4, 3})),
                    Catch::Contains("linear: operation on an undefined tensor: it was moved from (std::move)") &&
                        Catch::Contains("a module moved into a container or another module leaves its parameters so: "
                                        "use the moved-to module"));
}

TEST_CASE("Sequential nests and shares modules", "[nn]") {
  auto shared = std::make_shared<nn::Linear>(2, 2);
  nn::Sequential inner(nn::Linear(3, 2), nn::Tanh());
  nn::Sequential outer(std::move(inner), nn::Sigmoid());
  outer.push_back(shared);
  std::vector<std::string> names;
  for (const auto& [name, p] : outer.named_parameters()) names.push_back(name);
  CHECK(names == std::vector<std::string>{"0.0.weight", "0.0.bias", "2.weight", "2.bias"});
  CHECK(outer.parameters()[2].is_same(shared->weight));
  CHECK(outer(tg::ones({5, 3})).shape() == tg::Shape{5, 2});
}

TEST_CASE("Module::to(kFloat64) converts parameters in place and zero_grad clears grads", "[nn]") {
  nn::Sequential model(nn::Linear(3, 4), nn::ReLU(), nn::Linear(4, 2));
  const auto handles = model.parameters();  // held elsewhere, as an optimizer would
  const auto before = tg::to_vector<double>(handles[0]);
  model.to(tg::kFloat64);
  for (const auto& p : handles) {
    CHECK(p.dtype() == tg::kFloat64);
    CHECK(p.requires_grad());
  }
  CHECK(tg::to_vector<double>(handles[0]) == before);  // float32 values are exact in float64
  auto loss = tg::sum(model(tg::ones({2, 3}, tg::kFloat64)));
  loss.backward();
  CHECK(handles[0].grad().dtype() == tg::kFloat64);
  model.zero_grad(false);
  CHECK(all_zero(handles[0].grad()));
  model.zero_grad();
  CHECK_FALSE(handles[0].grad().defined());
}

TEST_CASE("Module::to between forward and backward fails the backward cleanly", "[nn]") {
  nn::Linear lin(3, 2);
  tg::Tensor loss = tg::sum(lin(tg::ones({4, 3})));
  lin.to(tg::kFloat64);
  CHECK_THROWS_WITH(loss.backward(), Catch::Contains("replaced") || Catch::Contains("set_data"));
  CHECK_FALSE(lin.weight.grad().defined());  // no float32 gradient left on a float64 weight
}

TEST_CASE("the hello-world program: Sequential + CrossEntropyLoss train by plain SGD", "[nn]") {
  tg::manual_seed(0);
  nn::Sequential model(nn::Linear(8, 16), nn::ReLU(), nn::Linear(16, 3));
  nn::CrossEntropyLoss criterion;
  auto images = tg::randn({32, 8});
  // A learnable rule: the class is the argmax of the first three features.
  auto labels = tg::argmax(tg::reshape(tg::index_select(images, 1, tg::from_vector(std::vector<std::int64_t>{0, 1, 2}, {3})), {32, 3}), 1);
  double first = 0, last = 0;
  for (int step = 0; step < 60; ++step) {
    model.zero_grad();
    auto loss = criterion(model(images), labels);
    loss.backward();
    if (step == 0) first = loss.item();
    last = loss.item();
    tg::NoGradGuard no_grad;
    for (auto& p : model.parameters()) tg::add_(p, p.grad(), -0.5);
  }
  INFO("loss " << first << " -> " << last);
  CHECK(last < 0.5 * first);
}

TEST_CASE("activation and loss modules print as PyTorch and call their functional forms", "[nn]") {
  CHECK(nn::LeakyReLU().repr() == "LeakyReLU(negative_slope=0.01)");
  CHECK(nn::ELU(nn::ELUOptions().alpha(2)).repr() == "ELU(alpha=2.0)");
  CHECK(nn::Softplus().repr() == "Softplus(beta=1.0, threshold=20.0)");
  CHECK(nn::Hardtanh().repr() == "Hardtanh(min_val=-1.0, max_val=1.0)");
  CHECK(nn::SELU().repr() == "SELU()");
  CHECK(nn::Mish().repr() == "Mish()");
  const tg::Tensor x = tg::tensor({-2.0, 0.5, 7.0});
  CHECK(tg::to_vector<double>(nn::ReLU6()(x)) == std::vector<double>{0, 0.5, 6});
  CHECK(tg::to_vector<double>(nn::Hardtanh()(x)) == std::vector<double>{-1, 0.5, 1});
  CHECK(tg::to_vector<double>(nn::Softsign()(x)) == tg::to_vector<double>(nn::functional::softsign(x)));
  CHECK(tg::to_vector<double>(nn::LogSigmoid()(x)) == tg::to_vector<double>(nn::functional::logsigmoid(x)));
  CHECK_THROWS_WITH(nn::GELU(nn::GELUOptions().approximate("fast"))(x), "approximate argument must be either none or tanh.");

  nn::HuberLoss huber(nn::HuberLossOptions().delta(0.5).reduction(tg::kSum));
  CHECK(huber(x, tg::zeros({3})).item() == Approx(0.5 * 1.75 + 0.125 + 0.5 * 6.75));
  nn::GaussianNLLLoss gnll;
  CHECK(gnll(x, x, tg::ones({3})).item() == 0.0);
  CHECK(nn::L1Loss().repr() == "L1Loss()");
}
