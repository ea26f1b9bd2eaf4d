// Element-wise ops and activations: forward values (float32 and float64), NumPy broadcasting,
// gradients checked against central differences, edge cases (empty, 0-d, NaN, kinks) and errors.
#include <functional>

#include "../support/helpers.hpp"

using namespace support;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

namespace {

// Reference broadcasting, written independently of the library: out[i] = f(a[ia], b[ib]) where
// each operand's coordinate is the output's, clamped to 0 along its size-1 (or missing) dims.
std::vector<double> broadcast_reference(const tg::Tensor& a, const tg::Tensor& b, const tg::Shape& out,
                                        const std::function<double(double, double)>& f) {
  const auto va = values(a), vb = values(b);
  std::vector<double> result;
  const std::int64_t n = tg::shape_numel(out);
  for (std::int64_t flat = 0; flat < n; ++flat) {
    std::vector<std::int64_t> coord(out.size());
    for (std::int64_t i = static_cast<std::int64_t>(out.size()) - 1, rest = flat; i >= 0; --i) {
      coord[i] = rest % out[i];
      rest /= out[i];
    }
    auto offset = [&](const tg::Shape& s) {
      std::int64_t off = 0;
      const std::size_t lead = out.size() - s.size();
      for (std::size_t i = 0; i < s.size(); ++i) off = off * s[i] + (s[i] == 1 ? 0 : coord[lead + i]);
      return off;
    };
    result.push_back(f(va[offset(a.shape())], vb[offset(b.shape())]));
  }
  return result;
}

const std::vector<std::pair<tg::Shape, tg::Shape>> broadcast_cases = {
    {{2, 3}, {2, 3}}, {{3, 1}, {1, 4}}, {{2, 3}, {3}}, {{}, {2, 3}}, {{2, 3}, {}}, {{2, 1, 3}, {1, 4, 1}}, {{1}, {4}},
};

}  // namespace

struct BinaryCase {
  const char* name;
  std::function<tg::Tensor(const tg::Tensor&, const tg::Tensor&)> op;
  std::function<double(double, double)> reference;
};
const std::vector<BinaryCase> arithmetic = {
    {"add", [](auto& a, auto& b) { return a + b; }, [](double x, double y) { return x + y; }},
    {"sub", [](auto& a, auto& b) { return a - b; }, [](double x, double y) { return x - y; }},
    {"mul", [](auto& a, auto& b) { return a * b; }, [](double x, double y) { return x * y; }},
    {"div", [](auto& a, auto& b) { return a / b; }, [](double x, double y) { return x / y; }},
    {"maximum", [](auto& a, auto& b) { return tg::maximum(a, b); }, [](double x, double y) { return x > y ? x : y; }},
    {"minimum", [](auto& a, auto& b) { return tg::minimum(a, b); }, [](double x, double y) { return x < y ? x : y; }},
};

TEST_CASE("elementwise: binary ops forward with broadcasting, float32 and float64", "[core]") {
  tg::manual_seed(11);
  for (const auto& op : arithmetic)
    for (const auto& [sa, sb] : broadcast_cases)
      for (auto dtype : {tg::kFloat32, tg::kFloat64}) {
        INFO(op.name << " " << tg::shape_str(sa) << " x " << tg::shape_str(sb) << " " << tg::dtype_name(dtype));
        const tg::Tensor a = tg::uniform(sa, 0.5, 2, dtype), b = tg::uniform(sb, -2, -0.5, dtype);
        const tg::Tensor y = op.op(a, b);
        const tg::Shape out = tg::broadcast_shapes(sa, sb);
        CHECK(y.shape() == out);
        CHECK(y.dtype() == dtype);
        check_close(y, broadcast_reference(a, b, out, op.reference), 1e-12, dtype == tg::kFloat32 ? 1e-6 : 1e-15);
      }
}

TEST_CASE("elementwise: binary ops gradcheck, broadcasting included", "[core]") {
  tg::manual_seed(12);
  for (const auto& op : arithmetic)
    for (const auto& [sa, sb] : broadcast_cases) {
      INFO(op.name << " " << tg::shape_str(sa) << " x " << tg::shape_str(sb));
      // b stays away from 0 (div) and from a's range (no ties for maximum/minimum).
      gradcheck_ok([&](const Inputs& in) { return op.op(in[0], in[1]); }, {leaf(sa, 0.5, 2), leaf(sb, -2, -0.5)});
      gradcheck_ok([&](const Inputs& in) { return op.op(in[0], in[1]); }, {leaf(sb, -2, -0.5), leaf(sa, 0.5, 2)});
    }
}

TEST_CASE("elementwise: ops with a scalar operand", "[core]") {
  const tg::Tensor x = tg::tensor({1, -2, 4}, tg::kFloat64);
  check_close(x + 1.5, {2.5, -0.5, 5.5});
  check_close(1.5 + x, {2.5, -0.5, 5.5});
  check_close(x - 1.0, {0, -3, 3});
  check_close(1.0 - x, {0, 3, -3});
  check_close(x * -2.0, {-2, 4, -8});
  check_close(x / 4.0, {0.25, -0.5, 1});
  check_close(2.0 / x, {2, -1, 0.5});
  check_close(-x, {-1, 2, -4});
  tg::manual_seed(13);
  gradcheck_ok([](const Inputs& in) { return 3.0 - in[0] * 2.5 + 1.0; }, {leaf({2, 3})});
  gradcheck_ok([](const Inputs& in) { return 2.0 / in[0] - in[0] / 4.0; }, {leaf_away_from_zero({2, 3})});
}

namespace {
struct UnaryCase {
  const char* name;
  std::function<tg::Tensor(const tg::Tensor&)> op;
  std::function<double(double)> reference;
  double low, high;  // gradcheck domain; `away_from_zero` draws |x| in [low, high] with random sign
  bool away_from_zero = false;
};
const std::vector<UnaryCase> unary = {
    {"neg", [](auto& x) { return tg::neg(x); }, [](double v) { return -v; }, -2, 2},
    {"pow 2", [](auto& x) { return tg::pow(x, 2); }, [](double v) { return v * v; }, -2, 2},
    {"pow 3", [](auto& x) { return x.pow(3); }, [](double v) { return v * v * v; }, -2, 2},
    {"pow 0.5", [](auto& x) { return tg::pow(x, 0.5); }, [](double v) { return std::sqrt(v); }, 0.2, 2},
    {"pow -1.5", [](auto& x) { return tg::pow(x, -1.5); }, [](double v) { return std::pow(v, -1.5); }, 0.2, 2},
    {"pow 0", [](auto& x) { return tg::pow(x, 0); }, [](double) { return 1.0; }, -2, 2},
    {"exp", [](auto& x) { return tg::exp(x); }, [](double v) { return std::exp(v); }, -2, 2},
    {"log", [](auto& x) { return tg::log(x); }, [](double v) { return std::log(v); }, 0.1, 3},
    {"log1p", [](auto& x) { return tg::log1p(x); }, [](double v) { return std::log1p(v); }, -0.8, 3},
    {"sqrt", [](auto& x) { return tg::sqrt(x); }, [](double v) { return std::sqrt(v); }, 0.1, 3},
    {"abs", [](auto& x) { return tg::abs(x); }, [](double v) { return std::abs(v); }, 0.1, 2, true},
    {"relu", [](auto& x) { return tg::relu(x); }, [](double v) { return v > 0 ? v : 0; }, 0.1, 2, true},
    {"sigmoid", [](auto& x) { return tg::sigmoid(x); }, [](double v) { return 1 / (1 + std::exp(-v)); }, -4, 4},
    {"tanh", [](auto& x) { return tg::tanh(x); }, [](double v) { return std::tanh(v); }, -3, 3},
    {"clamp", [](auto& x) { return tg::clamp(x, -0.5, 0.5); }, [](double v) { return std::min(std::max(v, -0.5), 0.5); }, -1, 1},
    {"clamp min", [](auto& x) { return tg::clamp(x, 0.3, std::nullopt); }, [](double v) { return std::max(v, 0.3); }, -1, 1},
    {"clamp max", [](auto& x) { return tg::clamp(x, std::nullopt, 0.3); }, [](double v) { return std::min(v, 0.3); }, -1, 1},
    {"clone", [](auto& x) { return tg::clone(x); }, [](double v) { return v; }, -1, 1},
};
}  // namespace

TEST_CASE("elementwise: unary ops forward (float32, float64) and gradcheck", "[core]") {
  tg::manual_seed(14);
  for (const auto& op : unary) {
    INFO(op.name);
    for (auto dtype : {tg::kFloat32, tg::kFloat64}) {
      const tg::Tensor x = tg::uniform({3, 5}, op.low, op.high, dtype);
      const tg::Tensor y = op.op(x);
      CHECK(y.shape() == x.shape());
      CHECK(y.dtype() == dtype);
      std::vector<double> expected;
      for (double v : values(x)) expected.push_back(op.reference(v));
      check_close(y, expected, dtype == tg::kFloat32 ? 1e-7 : 1e-15, dtype == tg::kFloat32 ? 2e-6 : 1e-14);
    }
    // clamp's bounds are kinks: keep samples at least 0.05 from them.
    tg::Tensor x = op.away_from_zero ? leaf_away_from_zero({3, 4}, op.low, op.high) : leaf({3, 4}, op.low, op.high);
    if (std::string(op.name).rfind("clamp", 0) == 0) {
      double* p = x.data<double>();
      for (std::int64_t i = 0; i < x.numel(); ++i)
        for (double bound : {-0.5, 0.5, 0.3})
          if (std::abs(p[i] - bound) < 0.05) p[i] = bound + 0.1;
    }
    gradcheck_ok([&](const Inputs& in) { return op.op(in[0]); }, {x});
  }
}

TEST_CASE("elementwise: gradients at kinks follow PyTorch's conventions", "[core]") {
  // ReLU: gradient exactly 0 at 0 (as PyTorch 1.13).
  tg::Tensor x = tg::tensor({-1, 0, 0.5, 2}, tg::kFloat64).requires_grad_();
  tg::Tensor y = tg::relu(x);
  check_close(y, {0, 0, 0.5, 2});
  y.backward(tg::tensor({1, 2, 3, 4}, tg::kFloat64));
  check_close(x.grad(), {0, 0, 3, 4});
  // abs: 0 at 0.
  tg::Tensor a = tg::tensor({0, -1, 2}, tg::kFloat64).requires_grad_();
  tg::abs(a).sum().backward();
  check_close(a.grad(), {0, -1, 1});
  // clamp: gradient 1 on the closed interval [min, max].
  tg::Tensor c = tg::tensor({0.5, -0.5, 0.2, 1.0}, tg::kFloat64).requires_grad_();
  tg::clamp(c, -0.5, 0.5).sum().backward();
  // (This literal is the one g++ 12's SLP vectoriser turned into {1, 1, 1, 1}: see CMakeLists.txt.)
  check_close(c.grad(), {1, 1, 1, 0});
  // maximum/minimum: ties split the gradient evenly.
  tg::Tensor p = tg::tensor({1, 2, 3}, tg::kFloat64).requires_grad_();
  tg::Tensor q = tg::tensor({1, 1, 4}, tg::kFloat64).requires_grad_();
  tg::maximum(p, q).sum().backward();
  check_close(p.grad(), {0.5, 1, 0});
  check_close(q.grad(), {0.5, 0, 1});
  p.zero_grad();
  q.zero_grad();
  tg::minimum(p, q).sum().backward();
  check_close(p.grad(), {0.5, 0, 1});
  check_close(q.grad(), {0.5, 1, 0});
  // ReLU lets the gradient through where its output is NaN.
  tg::Tensor n = tg::tensor({std::nan(""), -1.0}, tg::kFloat64).requires_grad_();
  tg::relu(n).backward(tg::tensor({5, 5}, tg::kFloat64));
  CHECK(values(n.grad()) == std::vector<double>{5, 0});
  // pow(x, 0) has gradient 0 everywhere; sqrt at 0 has an infinite one.
  tg::Tensor z = tg::tensor({0, 1}, tg::kFloat64).requires_grad_();
  tg::pow(z, 0).sum().backward();
  check_close(z.grad(), {0, 0});
  tg::Tensor s = tg::tensor({0, 1}, tg::kFloat64).requires_grad_();
  tg::sqrt(s).sum().backward();
  check_close(s.grad(), {INFINITY, 0.5});
}

TEST_CASE("elementwise: where, with a broadcasting condition", "[core]") {
  const tg::Tensor cond = tg::tensor({{1}, {0}}, tg::kFloat64);  // (2,1)
  const tg::Tensor a = tg::tensor({1, 2, 3}, tg::kFloat64);      // (3)
  const tg::Tensor b = tg::tensor({{10, 20, 30}, {40, 50, 60}}, tg::kFloat64);
  check_close(tg::where(cond, a, b), {1, 2, 3, 40, 50, 60});
  check_close(tg::where(tg::tensor({1, 0, 1}, tg::kInt64), a, a * 0.0), {1, 0, 3});  // int64 masks work
  tg::manual_seed(15);
  const tg::Tensor mask = tg::gt(tg::rand({2, 3}, tg::kFloat64), 0.5);
  gradcheck_ok([&](const Inputs& in) { return tg::where(mask, in[0], in[1]); }, {leaf({3}), leaf({2, 1})});
}

TEST_CASE("elementwise: to(dtype) is differentiable across float types", "[core]") {
  tg::Tensor x = tg::tensor({1.5, -2}, tg::kFloat64).requires_grad_();
  tg::Tensor y = x.to(tg::kFloat32);
  CHECK(y.dtype() == tg::kFloat32);
  CHECK(y.grad_fn_name() == "to");
  (y * 3.0).sum().backward();
  CHECK(x.grad().dtype() == tg::kFloat64);
  check_close(x.grad(), {3, 3});
  CHECK_FALSE(x.to(tg::kInt64).requires_grad());
  gradcheck_ok([](const Inputs& in) { return in[0].to(tg::kFloat32).to(tg::kFloat64) * 2.0; }, {leaf({4})},
               tg::GradcheckOptions().eps(1e-3).atol(1e-3).rtol(1e-2));
}

TEST_CASE("elementwise: comparison masks", "[core]") {
  const tg::Tensor a = tg::tensor({1., 2., 3.});
  const tg::Tensor b = tg::tensor({{2.}, {3.}});  // (2,1) broadcasts against (3)
  check_close(tg::eq(a, b), {0, 1, 0, 0, 0, 1});
  check_close(tg::ne(a, b), {1, 0, 1, 1, 1, 0});
  check_close(a < b, {1, 0, 0, 1, 1, 0});
  check_close(a <= b, {1, 1, 0, 1, 1, 1});
  check_close(a > b, {0, 0, 1, 0, 0, 0});
  check_close(a >= b, {0, 1, 1, 0, 0, 1});
  check_close(tg::gt(a, 1.5), {0, 1, 1});
  check_close(tg::lt(a, 1.5), {1, 0, 0});
  CHECK(tg::eq(a, b).dtype() == tg::kFloat32);
  const tg::Tensor i = tg::tensor({1, 5}, tg::kInt64);
  CHECK(tg::to_vector<std::int64_t>(tg::eq(i, tg::tensor({1, 4}, tg::kInt64))) == std::vector<std::int64_t>{1, 0});
  tg::Tensor x = tg::tensor({1., 2.}).requires_grad_();
  CHECK_FALSE((x > tg::tensor({0., 3.})).requires_grad());
  check_close(tg::isnan(tg::tensor({1, std::nan(""), INFINITY})), {0, 1, 0});
}

TEST_CASE("elementwise: NaN propagates", "[core]") {
  const double nan = std::nan("");
  const tg::Tensor x = tg::tensor({nan, 1.0}, tg::kFloat64);
  const tg::Tensor one = tg::ones({2}, tg::kFloat64);
  for (const auto& op : unary) {
    INFO(op.name);
    if (std::string(op.name) == "pow 0") continue;  // NaN^0 = 1, as in C and PyTorch
    CHECK(std::isnan(values(op.op(x))[0]));
  }
  for (const auto& op : arithmetic) {
    INFO(op.name);
    CHECK(std::isnan(values(op.op(x, one))[0]));
    CHECK(std::isnan(values(op.op(one, x))[0]));
  }
  CHECK(std::isnan(values(tg::log(tg::tensor({-1.0})))[0]));
  CHECK(std::isnan(values(tg::sqrt(tg::tensor({-1.0})))[0]));
  CHECK(values(tg::pow(x, 0)) == std::vector<double>{1, 1});
}

TEST_CASE("elementwise: empty tensors pass through every op and its backward", "[core]") {
  for (const auto& op : unary) {
    INFO(op.name);
    tg::Tensor x = tg::zeros({0, 3}, tg::kFloat64).requires_grad_();
    tg::Tensor y = op.op(x);
    CHECK(y.shape() == tg::Shape{0, 3});
    y.sum().backward();
    CHECK(x.grad().shape() == tg::Shape{0, 3});
  }
  for (const auto& op : arithmetic)
    for (const auto& [sa, sb] : std::vector<std::pair<tg::Shape, tg::Shape>>{{{0, 3}, {3}}, {{0}, {1}}, {{2, 0}, {2, 1}}}) {
      INFO(op.name << " " << tg::shape_str(sa) << " x " << tg::shape_str(sb));
      tg::Tensor a = tg::zeros(sa, tg::kFloat64).requires_grad_();
      tg::Tensor b = tg::ones(sb, tg::kFloat64).requires_grad_();
      tg::Tensor y = op.op(a, b);
      CHECK(y.numel() == 0);
      y.sum().backward();
      CHECK(a.grad().shape() == sa);
      CHECK(b.grad().shape() == sb);
      check_close(b.grad(), std::vector<double>(static_cast<std::size_t>(b.numel()), 0.0));
    }
}

TEST_CASE("elementwise: 0-d tensors broadcast and get 0-d gradients", "[core]") {
  tg::Tensor s = tg::scalar_tensor(2, tg::kFloat64).requires_grad_();
  tg::Tensor m = tg::tensor({{1, 2, 3}, {4, 5, 6}}, tg::kFloat64).requires_grad_();
  tg::Tensor y = s * m;
  CHECK(y.shape() == tg::Shape{2, 3});
  y.sum().backward();
  CHECK(s.grad().dim() == 0);
  CHECK(s.grad().item() == 21);
  check_close(m.grad(), {2, 2, 2, 2, 2, 2});
  tg::Tensor t = tg::exp(s);
  CHECK(t.dim() == 0);
  CHECK(t.item() == Approx(std::exp(2.0)));
}

TEST_CASE("elementwise: shape and dtype errors", "[core]") {
  const tg::Tensor a = tg::zeros({2, 3}), b = tg::zeros({4});
  CHECK_THROWS_MATCHES(a + b, std::invalid_argument,
                       Message("The size of tensor a (3) must match the size of tensor b (4) at non-singleton "
                               "dimension 1 (shapes [2, 3] and [4])"));
  // Mixed dtypes promote (test_promotion.cpp), except where they would narrow into an in-place result.
  CHECK((a * tg::zeros({2, 3}, tg::kFloat64)).dtype() == tg::kFloat64);
  CHECK((tg::ones({2}) + tg::ones({2}, tg::kFloat64)).dtype() == tg::kFloat64);
  tg::Tensor counts = tg::zeros({2}, tg::kInt64);
  CHECK_THROWS_MATCHES(tg::add_(counts, tg::ones({2})), std::invalid_argument,
                       Message("add_: result type Float can't be cast to the desired output type Long"));
  const tg::Tensor i = tg::arange(3);
  CHECK_THROWS_MATCHES(tg::exp(i), std::invalid_argument,
                       Message("exp: expected a floating point tensor (float32 or float64) but got int64"));
  CHECK_THROWS_WITH(tg::relu(i), Contains("relu") && Contains("int64"));
  CHECK_THROWS_WITH(tg::sigmoid(i), Contains("int64"));
  CHECK(tg::to_vector<float>(i / (i + 1)) == std::vector<float>{0, 0.5f, 2.0f / 3});  // true division: float32
  CHECK_THROWS_WITH(tg::mean(i), Contains("mean") && Contains("int64"));
  // Integer arithmetic that stays exact is allowed.
  CHECK(tg::to_vector<std::int64_t>(i * i + i) == std::vector<std::int64_t>{0, 2, 6});
  CHECK(tg::to_vector<std::int64_t>(tg::abs(-i)) == std::vector<std::int64_t>{0, 1, 2});
}

TEST_CASE("elementwise: in-place add_ and mul_ bump the version", "[core]") {
  tg::Tensor x = tg::tensor({{1, 2}, {3, 4}}, tg::kFloat64);
  const auto v = x.version();
  tg::add_(x, tg::tensor({10, 20}, tg::kFloat64), 0.5);  // broadcast row
  check_close(x, {6, 12, 8, 14});
  tg::mul_(x, 2);
  check_close(x, {12, 24, 16, 28});
  CHECK(x.version() == v + 2);
  CHECK_THROWS_WITH(tg::add_(x, tg::zeros({3, 2, 2}, tg::kFloat64)), Contains("[3, 2, 2]") && Contains("[2, 2]"));
}
