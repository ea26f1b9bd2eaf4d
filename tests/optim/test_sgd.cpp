// SGD against PyTorch 1.13: reference trajectories computed with torch.optim.SGD (p0 = [1, -2],
// gradients [0.5,-1], [0.25,2], [-1,0.5], lr 0.1) and further values printed by torch.optim.SGD.
#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include <tapegrad/core/tensor.hpp>
#include <tapegrad/optim/optim.hpp>

#include "../support/helpers.hpp"

using namespace support;
using tg::optim::SGD;
using tg::optim::SGDOptions;

namespace {

const std::vector<std::vector<double>> kGrads = {{0.5, -1}, {0.25, 2}, {-1, 0.5}};

// Runs three steps from p0 = [1, -2]; a step whose entry in `has_grad` is false sees no gradient,
// and `lrs` (when given) sets the learning rate before each step.
std::vector<double> trajectory(const SGDOptions& options, tg::Dtype dtype,
                               std::vector<bool> has_grad = {true, true, true},
                               std::vector<double> lrs = {}) {
  auto p = tg::tensor({1, -2}, dtype).requires_grad_();
  SGD sgd({p}, options);
  for (std::size_t step = 0; step < kGrads.size(); ++step) {
    if (!lrs.empty()) sgd.set_lr(lrs[step]);
    p.set_grad(has_grad[step] ? tg::tensor({kGrads[step][0], kGrads[step][1]}, dtype) : tg::Tensor());
    sgd.step();
  }
  return tg::to_vector<double>(p);
}

struct Case {
  const char* name;
  SGDOptions options;
  std::vector<double> p3;
};

}  // namespace

TEST_CASE("SGD: the five reference trajectories, float64 and float32", "[optim]") {
  const std::vector<Case> cases = {
      {"plain", SGDOptions(0.1), {1.025, -2.15}},
      {"momentum 0.9", SGDOptions(0.1).momentum(0.9), {0.917, -2.159}},
      {"momentum 0.9 dampening 0.5", SGDOptions(0.1).momentum(0.9).dampening(0.5), {0.89075, -1.944}},
      {"momentum 0.9 nesterov", SGDOptions(0.1).momentum(0.9).nesterov(true), {0.9503, -2.2931}},
      {"momentum 0.9 weight_decay 0.01", SGDOptions(0.1).momentum(0.9).weight_decay(0.01),
       {0.911609749, -2.147969498}},
  };
  for (const auto& c : cases) {
    SECTION(c.name) {
      check_close(trajectory(c.options, tg::kFloat64), c.p3, 1e-12, 0);
      check_close(trajectory(c.options, tg::kFloat32), c.p3, 1e-6, 0);
    }
  }
}

TEST_CASE("SGD: maximize negates the gradient first", "[optim]") {
  // Values from torch.optim.SGD(maximize=True), PyTorch 1.13.
  check_close(trajectory(SGDOptions(0.1).maximize(true), tg::kFloat64), {0.975, -1.85}, 1e-12, 0);
  check_close(trajectory(SGDOptions(0.1).momentum(0.9).maximize(true), tg::kFloat64), {1.083, -1.841}, 1e-12, 0);
  // Negation comes before weight decay: the decay term is not negated.
  check_close(trajectory(SGDOptions(0.1).momentum(0.9).dampening(0.5).weight_decay(0.01).maximize(true),
                         tg::kFloat64),
              {1.10499091225, -2.0475443245}, 1e-12, 0);
  check_close(trajectory(SGDOptions(0.1).momentum(0.9).maximize(true), tg::kFloat32), {1.083, -1.841}, 1e-6, 0);
}

TEST_CASE("SGD: nesterov with weight decay", "[optim]") {
  // torch.optim.SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)
  check_close(trajectory(SGDOptions(0.1).momentum(0.9).nesterov(true).weight_decay(0.1), tg::kFloat64),
              {0.877211146, -2.137897292}, 1e-12, 0);
}

TEST_CASE("SGD: the learning rate can change between steps", "[optim]") {
  auto p = tg::tensor({1, -2}, tg::kFloat64).requires_grad_();
  SGD sgd({p}, SGDOptions(0.1).momentum(0.9));
  CHECK(sgd.lr() == 0.1);
  sgd.set_lr(0.01);
  CHECK(sgd.lr() == 0.01);
  CHECK(sgd.options().lr() == 0.01);
  CHECK(sgd.options().momentum() == 0.9);  // other options untouched
  CHECK_THROWS_WITH(sgd.set_lr(-0.5), "Invalid learning rate: -0.5");
  CHECK(sgd.lr() == 0.01);
  // lr 0.1, 0.01, 0.5 over the three steps, as param_groups[0]['lr'] = ... in PyTorch.
  check_close(trajectory(SGDOptions(0.1).momentum(0.9), tg::kFloat64, {true, true, true}, {0.1, 0.01, 0.5}),
              {1.128, -2.656}, 1e-12, 0);
}

TEST_CASE("SGD: parameters without a gradient are skipped and get no state", "[optim]") {
  SECTION("a parameter that never has a gradient") {
    auto a = tg::tensor({1, -2}, tg::kFloat64).requires_grad_();
    auto b = tg::tensor({3, 4, 5}, tg::kFloat64).requires_grad_();
    SGD sgd({a, b}, SGDOptions(0.1).momentum(0.9));
    a.set_grad(tg::tensor({0.5, -1}, tg::kFloat64));
    const auto b_version = b.version();
    sgd.step();
    check_close(a, {0.95, -1.9}, 1e-15, 0);
    CHECK(tg::to_vector<double>(b) == std::vector<double>{3, 4, 5});
    CHECK(b.version() == b_version);
    CHECK(sgd.state(0) != nullptr);
    CHECK(sgd.momentum_buffer(0).defined());
    CHECK(sgd.state(1) == nullptr);
    CHECK_FALSE(sgd.momentum_buffer(1).defined());
  }
  // The momentum buffer starts (as a plain copy of d) at a parameter's first step with a gradient.
  SECTION("no gradient on the first step") {
    check_close(trajectory(SGDOptions(0.1).momentum(0.9), tg::kFloat64, {false, true, true}), {1.0525, -2.43},
                1e-12, 0);
  }
  SECTION("no gradient in the middle step: the buffer is not decayed") {
    check_close(trajectory(SGDOptions(0.1).momentum(0.9), tg::kFloat64, {true, false, true}), {1.005, -1.86},
                1e-12, 0);
  }
}

TEST_CASE("SGD: without momentum no state is kept", "[optim]") {
  auto p = tg::tensor({1., -2.}).requires_grad_();
  SGD sgd({p}, SGDOptions(0.1));
  p.set_grad(tg::tensor({0.5, -1}));
  sgd.step();
  CHECK(sgd.state(0) == nullptr);
}

TEST_CASE("SGD: the momentum buffer is allocated once and updated in place", "[optim]") {
  auto p = tg::tensor({1, -2}, tg::kFloat64).requires_grad_();
  SGD sgd({p}, SGDOptions(0.1).momentum(0.9));
  p.set_grad(tg::tensor({0.5, -1}, tg::kFloat64));
  sgd.step();
  const auto buffer = sgd.momentum_buffer(0);
  CHECK(tg::to_vector<double>(buffer) == std::vector<double>{0.5, -1});  // first step: a copy of d
  p.set_grad(tg::tensor({0.25, 2}, tg::kFloat64));
  sgd.step();
  CHECK(sgd.momentum_buffer(0).is_same(buffer));
  check_close(buffer, {0.9 * 0.5 + 0.25, 0.9 * -1 + 2}, 1e-15, 0);
}

TEST_CASE("SGD: float32 and float64 parameters in one optimizer", "[optim]") {
  auto f = tg::tensor({1, -2}, tg::kFloat32).requires_grad_();
  auto d = tg::tensor({1, -2}, tg::kFloat64).requires_grad_();
  SGD sgd({f, d}, SGDOptions(0.1).momentum(0.9).nesterov(true));
  for (const auto& g : kGrads) {
    f.set_grad(tg::tensor({g[0], g[1]}, tg::kFloat32));
    d.set_grad(tg::tensor({g[0], g[1]}, tg::kFloat64));
    sgd.step();
  }
  CHECK(f.dtype() == tg::kFloat32);
  CHECK(d.dtype() == tg::kFloat64);
  check_close(f, {0.9503, -2.2931}, 1e-6, 0);
  check_close(d, {0.9503, -2.2931}, 1e-12, 0);
}

TEST_CASE("SGD: a long parameter goes through the vector loop and its tail", "[optim]") {
  // 37 elements: several SIMD batches plus a remainder; each element follows its own scalar trajectory.
  const std::int64_t n = 37;
  std::vector<float> p0(n), g(n);
  for (std::int64_t i = 0; i < n; ++i) {
    p0[i] = 0.25f * static_cast<float>(i) - 3.0f;
    g[i] = 0.5f - 0.125f * static_cast<float>(i % 9);
  }
  auto p = tg::from_vector(p0, {n}).requires_grad_();
  SGD sgd({p}, SGDOptions(0.5).momentum(0.5).weight_decay(0.25));
  for (int step = 0; step < 2; ++step) {
    p.set_grad(tg::from_vector(g, {n}));
    sgd.step();
  }
  std::vector<double> want(n);
  for (std::int64_t i = 0; i < n; ++i) {
    // Two steps by the formula, per element, in double.
    double x = p0[i], buf = 0;
    for (int step = 0; step < 2; ++step) {
      const double d = g[i] + 0.25 * x;
      buf = step == 0 ? d : 0.5 * buf + d;
      x -= 0.5 * buf;
    }
    want[i] = x;
  }
  check_close(p, want, 1e-6, 1e-6);  // float32 values, compared in double
}

TEST_CASE("SGD: step writes in place and bumps the version", "[optim]") {
  auto p = tg::tensor({1., -2.}).requires_grad_();
  const auto* storage_before = p.raw_data();
  SGD sgd({p}, SGDOptions(0.1));
  p.set_grad(tg::tensor({0.5, -1}));
  const auto version = p.version();
  sgd.step();
  CHECK(p.raw_data() == storage_before);
  CHECK(p.version() == version + 1);
  CHECK_FALSE(p.grad_fn_name().size());  // still a leaf: the update was not recorded
}

TEST_CASE("SGD: constructor validation with PyTorch's messages", "[optim]") {
  auto p = tg::tensor({1., -2.}).requires_grad_();
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(-0.1)), "Invalid learning rate: -0.1");
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).momentum(-0.5)), "Invalid momentum value: -0.5");
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).weight_decay(-1)), "Invalid weight_decay value: -1");
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).nesterov(true)),
                    "Nesterov momentum requires a momentum and zero dampening");
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)),
                    "Nesterov momentum requires a momentum and zero dampening");
  CHECK_THROWS_WITH(SGD({p}, SGDOptions(std::nan(""))), "Invalid learning rate: nan");
  CHECK_THROWS_AS(SGD({p}, SGDOptions(-0.1)), std::invalid_argument);
  CHECK_NOTHROW(SGD({p}, SGDOptions(0).momentum(0.9).nesterov(true)));
}
