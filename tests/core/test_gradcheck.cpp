// gradcheck itself (it must catch a 1% error in one element), and user-defined differentiable ops
// recorded with autograd::record exactly as the built-in ops are.
#include "../support/helpers.hpp"

using namespace support;
using Catch::Matchers::Contains;
namespace ag = tapegrad::autograd;

namespace {

// A custom op: y = x³ element-wise, dy/dx = 3x². `wrong_at` >= 0 plants a bug: that element's
// gradient comes out 1% too large.
tg::Tensor cube(const tg::Tensor& x, std::int64_t wrong_at = -1) {
  const tg::Tensor v = x.detach();
  tg::Tensor y = v * v * v;
  return ag::record("cube", {x}, y, [sx = ag::save(x), wrong_at](const tg::Tensor& g) {
    const tg::Tensor& x = sx;
    tg::Tensor dx = g * x * x * 3.0;
    if (wrong_at >= 0) dx.data<double>()[wrong_at] *= 1.01;
    return std::vector<tg::Tensor>{dx};
  });
}

// A custom two-input op: y = a ⊙ b + b. `wrong_b_at` plants a 1% error in one element of db.
tg::Tensor mul_add(const tg::Tensor& a, const tg::Tensor& b, std::int64_t wrong_b_at = -1) {
  tg::Tensor y = a.detach() * b.detach() + b.detach();
  return ag::record("mul_add", {a, b}, y, [sa = ag::save(a), sb = ag::save(b), wrong_b_at](const tg::Tensor& g) {
    tg::Tensor db = g * (sa.get() + 1.0);
    if (wrong_b_at >= 0) db.data<double>()[wrong_b_at] *= 1.01;
    return std::vector<tg::Tensor>{g * sb.get(), db};
  });
}

const auto quiet = tg::GradcheckOptions().raise_exception(false);

}  // namespace

TEST_CASE("gradcheck: PyTorch's default tolerances", "[core]") {
  const tg::GradcheckOptions defaults;
  CHECK(defaults.eps() == 1e-6);
  CHECK(defaults.atol() == 1e-5);
  CHECK(defaults.rtol() == 1e-3);
  CHECK(defaults.raise_exception());
}

TEST_CASE("gradcheck: catches a backward wrong by 1% in a single element", "[core]") {
  tg::manual_seed(41);
  const tg::Tensor x = leaf({3, 4}, 0.5, 1.5);
  for (std::int64_t bad : {0, 5, 11}) {
    INFO("planted error at element " << bad);
    const auto r = tg::gradcheck([bad](const Inputs& in) { return cube(in[0], bad); }, {x}, quiet);
    CHECK_FALSE(r.passed);
    CHECK_FALSE(static_cast<bool>(r));
    CHECK(r.input == 0);
    CHECK(r.index == bad);
    CHECK(r.output_index == bad);
    const double v = values(x)[bad];
    CHECK(r.numeric == Approx(3 * v * v).epsilon(1e-6));
    CHECK(r.analytic == Approx(1.01 * 3 * v * v).epsilon(1e-12));
    CHECK_THAT(r.message, Contains("with respect to input 0, element " + std::to_string(bad)));
  }
  // The same op with the bug removed passes.
  CHECK(gradcheck_ok([](const Inputs& in) { return cube(in[0]); }, {x}));
}

TEST_CASE("gradcheck: multiple inputs and a scalar output report the right input", "[core]") {
  tg::manual_seed(42);
  const tg::Tensor a = leaf({2, 3}), b = leaf({2, 3});
  const auto r = tg::gradcheck([](const Inputs& in) { return mul_add(in[0], in[1], 4).sum(); }, {a, b}, quiet);
  CHECK_FALSE(r.passed);
  CHECK(r.input == 1);
  CHECK(r.index == 4);
  CHECK(r.output_index == 0);
  CHECK(gradcheck_ok([](const Inputs& in) { return mul_add(in[0], in[1]).sum(); }, {a, b}));
}

TEST_CASE("gradcheck: catches a missing cross term of a non-elementwise op", "[core]") {
  // y = [x0 * x1, x1]: the backward forgets ∂y0/∂x1 = x0.
  auto broken = [](const Inputs& in) {
    const tg::Tensor x = in[0].detach();
    tg::Tensor y = tg::tensor({x.data<double>()[0] * x.data<double>()[1], x.data<double>()[1]}, tg::kFloat64);
    return ag::record("broken", {in[0]}, y, [sx = ag::save(in[0])](const tg::Tensor& g) {
      const double* gv = g.data<double>();
      const double* xv = sx.get().data<double>();
      return std::vector<tg::Tensor>{tg::tensor({gv[0] * xv[1], gv[1]}, tg::kFloat64)};
    });
  };
  const auto r = tg::gradcheck(broken, {tg::tensor({2.0, 3.0}, tg::kFloat64).requires_grad_()}, quiet);
  CHECK_FALSE(r.passed);
  CHECK(r.index == 1);
  CHECK(r.output_index == 0);
  CHECK(r.numeric == Approx(2.0));
  CHECK(r.analytic == 0.0);
}

TEST_CASE("gradcheck: inputs that do not require grad are not checked (int64 indices included)", "[core]") {
  tg::manual_seed(43);
  const tg::Tensor a = leaf({2, 3});
  const tg::Tensor b_const = tg::uniform({2, 3}, -1, 1, tg::kFloat64);  // its (wrong) gradient is never asked for
  CHECK(gradcheck_ok([](const Inputs& in) { return mul_add(in[0], in[1], 0); }, {a, b_const}));
  const tg::Tensor index = tg::tensor({{2, 0}, {1, 1}}, tg::kInt64);
  CHECK(gradcheck_ok([](const Inputs& in) { return tg::gather(in[0], 1, in[1]); }, {a, index}));
  // Nothing requires grad: an error, as PyTorch (there would be nothing to check).
  CHECK_THROWS_WITH(tg::gradcheck([](const Inputs& in) { return in[0] * 2.0; }, {b_const}),
                    "gradcheck expects at least one input tensor to require gradient, but none of them have requires_grad_(true)");
}

TEST_CASE("gradcheck: throws GradcheckError by default and leaves the inputs untouched", "[core]") {
  tg::manual_seed(44);
  const tg::Tensor x = leaf({4}, 0.5, 1.5);
  const auto before = values(x);
  try {
    tg::gradcheck([](const Inputs& in) { return cube(in[0], 2); }, {x});
    FAIL("gradcheck did not throw");
  } catch (const tg::GradcheckError& e) {
    CHECK(e.result.index == 2);
    CHECK_THAT(std::string(e.what()), Contains("Jacobian mismatch") && Contains("element 2"));
  }
  CHECK(values(x) == before);
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("gradcheck: float32 is refused at float64 step sizes and works with looser tolerances", "[core]") {
  const auto f = [](const Inputs& in) { return tg::exp(in[0]) * in[0]; };
  tg::manual_seed(45);
  const tg::Tensor x = tg::uniform({5}, 0.5, 1.5, tg::kFloat32).requires_grad_();
  CHECK(gradcheck_ok(f, {x}, tg::GradcheckOptions().eps(3e-3).atol(1e-3).rtol(1e-2)));
  const tg::Tensor y = tg::tensor({1.1, -0.4}).requires_grad_();
  CHECK_THROWS_WITH(tg::gradcheck(f, {y}), Contains("float32") && Contains("float64"));
  CHECK(tg::gradcheck(f, {y}, tg::GradcheckOptions().eps(1e-2).rtol(1e-2).atol(1e-3)));
}

TEST_CASE("custom op: recorded like built-in ops, composes with them in backward", "[core]") {
  tg::Tensor x = tg::tensor({0.5, -1, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor w = tg::tensor({1, 2, 3}, tg::kFloat64).requires_grad_();
  const auto base = ag::tape_size();
  tg::Tensor y = cube(x);
  CHECK(y.grad_fn_name() == "cube");
  CHECK(ag::tape_size() == base + 1);
  CHECK(ag::tape_dump().find(" cube([3]) -> [3] float64\n") != std::string::npos);
  check_close(y, {0.125, -1, 8});
  (tg::exp(y) * w).sum().backward();  // d/dx = w·exp(x³)·3x²
  const std::vector<double> xs{0.5, -1, 2}, ws{1, 2, 3};
  std::vector<double> expected;
  for (int i = 0; i < 3; ++i) expected.push_back(ws[i] * std::exp(xs[i] * xs[i] * xs[i]) * 3 * xs[i] * xs[i]);
  check_close(x.grad(), expected, 1e-12, 1e-14);
  check_close(w.grad(), {std::exp(0.125), std::exp(-1.0), std::exp(8.0)}, 1e-12, 1e-14);
  // Under NoGradGuard, or on inputs that do not require grad, nothing is recorded.
  {
    tg::NoGradGuard no_grad;
    CHECK_FALSE(cube(x).requires_grad());
  }
  CHECK_FALSE(cube(x.detach()).requires_grad());
  tg::manual_seed(46);
  CHECK(gradcheck_ok([](const Inputs& in) { return (cube(in[0]) * in[1]).sum(); }, {leaf({2, 2}), leaf({2, 2})}));
}

TEST_CASE("gradcheck: a function returning a view of its input is checked correctly", "[core]") {
  // The output shares the input's storage; gradcheck must not read it after perturbing the input.
  tg::Tensor x = tg::randn({2, 3}, tg::kFloat64).requires_grad_();
  CHECK(tg::gradcheck([](const std::vector<tg::Tensor>& in) { return in[0].reshape({3, 2}); }, {x}));
  CHECK(tg::gradcheck([](const std::vector<tg::Tensor>& in) { return tg::unsqueeze(in[0], 0); }, {x}));
}
