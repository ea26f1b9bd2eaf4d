// softmax, log_softmax and logsumexp ops along every dim of a 3-D tensor against a straightforward
// reference, PyTorch's reference values and edge cases, and gradcheck of each along each dim.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <tapegrad/tapegrad.hpp>

#include "../support/helpers.hpp"

using namespace support;

namespace {

const tg::Shape kShape = {2, 3, 4};
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

std::vector<double> random_values(std::int64_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal(0, 2);
  std::vector<double> v(static_cast<std::size_t>(n));
  for (double& x : v) x = normal(rng);
  return v;
}

enum class Op { kSoftmax, kLogSoftmax, kLogsumexp };

// The textbook formulas, one line of `dim` at a time, on a contiguous (2, 3, 4) array in double.
// Returns the result laid out as the op's output (logsumexp with keepdim=false).
std::vector<double> reference(const std::vector<double>& x, std::int64_t dim, Op op) {
  const std::int64_t len = kShape[dim];
  std::int64_t inner = 1;
  for (std::size_t d = dim + 1; d < kShape.size(); ++d) inner *= kShape[d];
  const std::int64_t outer = static_cast<std::int64_t>(x.size()) / (len * inner);
  std::vector<double> out(op == Op::kLogsumexp ? x.size() / len : x.size());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      auto at = [&](std::int64_t k) { return (o * len + k) * inner + i; };
      double m = -kInf, s = 0;
      for (std::int64_t k = 0; k < len; ++k) m = std::max(m, x[at(k)]);
      for (std::int64_t k = 0; k < len; ++k) s += std::exp(x[at(k)] - m);
      if (op == Op::kLogsumexp) out[o * inner + i] = m + std::log(s);
      for (std::int64_t k = 0; k < len && op != Op::kLogsumexp; ++k)
        out[at(k)] = op == Op::kSoftmax ? std::exp(x[at(k)] - m) / s : x[at(k)] - m - std::log(s);
    }
  }
  return out;
}

tg::Tensor run(Op op, const tg::Tensor& x, std::int64_t dim) {
  switch (op) {
    case Op::kSoftmax: return tg::softmax(x, dim);
    case Op::kLogSoftmax: return tg::log_softmax(x, dim);
    default: return tg::logsumexp(x, dim);
  }
}

tg::Shape reduced_shape(std::int64_t dim, bool keepdim) {
  tg::Shape s = kShape;
  if (keepdim) s[dim] = 1;
  else s.erase(s.begin() + dim);
  return s;
}

}  // namespace

TEST_CASE("softmax ops along dims 0, 1, -1 of a 3-D tensor match the reference", "[core][kernels]") {
  const auto values = random_values(24, 7);
  const auto op = GENERATE(Op::kSoftmax, Op::kLogSoftmax, Op::kLogsumexp);
  const std::int64_t dim = GENERATE(0, 1, -1);
  const std::int64_t d = dim < 0 ? dim + 3 : dim;
  const auto want = reference(values, d, op);
  CAPTURE(static_cast<int>(op), dim);

  SECTION("float64") {
    const auto got = run(op, tg::from_vector(values, kShape), dim);
    CHECK(got.shape() == (op == Op::kLogsumexp ? reduced_shape(d, false) : kShape));
    check_close(got, want, 1e-14, 1e-12);
  }
  SECTION("float32") {
    const auto got = run(op, tg::from_vector(values, kShape).to(tg::kFloat32), dim);
    CHECK(got.dtype() == tg::kFloat32);
    check_close(got, want, 1e-6, 1e-5);
  }
}

TEST_CASE("logsumexp keepdim keeps the reduced dim as size 1", "[core][kernels]") {
  const auto values = random_values(24, 8);
  for (std::int64_t dim : {0, 1, 2}) {
    const auto got = tg::logsumexp(tg::from_vector(values, kShape), dim, true);
    CHECK(got.shape() == reduced_shape(dim, true));
    const auto want = reference(values, dim, Op::kLogsumexp);
    check_close(got, want, 0, 1e-12);
  }
}

TEST_CASE("softmax and log_softmax ops reproduce PyTorch's reference values", "[core][kernels]") {
  // PyTorch 1.13: Softmax(1) / LogSoftmax(1), x=[[1,2,3],[-1,0,1]], upstream g.
  const auto g = tg::tensor({{0.1, -0.2, 0.3}, {1, 0.5, -0.5}}, tg::kFloat64);
  for (tg::Dtype dtype : {tg::kFloat64, tg::kFloat32}) {
    const double tol = dtype == tg::kFloat64 ? 1e-8 : 1e-5;
    {
      auto x = tg::tensor({{1, 2, 3}, {-1, 0, 1}}, dtype).requires_grad_();
      auto y = tg::softmax(x, 1);
      y.backward(g.to(dtype));
      check_close(y, {0.0900305732, 0.244728471, 0.665240956, 0.0900305732, 0.244728471, 0.665240956}, 0, tol);
      check_close(x.grad(), {-0.00536849155, -0.0880116144, 0.0933801059, 0.100854559, 0.15178688, -0.252641439}, 0,
                  tol);
    }
    {
      auto x = tg::tensor({{1, 2, 3}, {-1, 0, 1}}, dtype).requires_grad_();
      auto y = tg::log_softmax(x, -1);
      y.backward(g.to(dtype));
      check_close(y, {-2.40760596, -1.40760596, -0.407605964, -2.40760596, -1.40760596, -0.407605964}, 0, tol);
      check_close(x.grad(), {0.0819938854, -0.248945694, 0.166951809, 0.909969427, 0.255271529, -1.16524096}, 0, tol);
    }
  }
}

TEST_CASE("softmax ops keep PyTorch's edge semantics", "[core][kernels]") {
  SECTION("large logits along a non-last dim stay finite") {
    const auto y = tg::to_vector<double>(tg::softmax(tg::from_vector(std::vector<float>{1000, 1001, 1002}, {3, 1}), 0));
    CHECK(y[0] == Approx(0.0900305732).epsilon(1e-6));
    CHECK(y[2] == Approx(0.665240956).epsilon(1e-6));
  }
  SECTION("log_softmax: -inf entry, all -inf row, +inf and NaN entries") {
    const auto y = tg::to_vector<double>(
        tg::log_softmax(tg::tensor({{-kInf, 1}, {-kInf, -kInf}, {1, kInf}, {1, kNan}}, tg::kFloat64), 1));
    CHECK(y[0] == -kInf);
    CHECK(y[1] == 0);
    for (int i = 2; i < 8; ++i) CHECK(std::isnan(y[i]));
  }
  SECTION("logsumexp as torch.logsumexp: infinite maxima are kept, NaN spreads, empty rows give -inf") {
    const auto l = tg::to_vector<double>(
        tg::logsumexp(tg::tensor({{-kInf, -kInf}, {1, kInf}, {-kInf, kInf}, {kInf, kNan}, {-kInf, 1}}), 1));
    CHECK(l[0] == -kInf);
    CHECK(l[1] == kInf);
    CHECK(l[2] == kInf);
    CHECK(std::isnan(l[3]));
    CHECK(l[4] == Approx(1.0));
    const auto empty = tg::logsumexp(tg::zeros({2, 0}), 1);
    CHECK(empty.shape() == tg::Shape{2});
    CHECK(tg::to_vector<double>(empty) == std::vector<double>{-kInf, -kInf});
    CHECK(tg::softmax(tg::zeros({2, 0}), 1).shape() == tg::Shape{2, 0});
  }
  SECTION("0-d tensors") {
    const auto x = tg::scalar_tensor(3.0, tg::kFloat64);
    CHECK(tg::softmax(x, 0).item() == 1.0);
    CHECK(tg::log_softmax(x, -1).item() == 0.0);
    CHECK(tg::logsumexp(x, 0).item() == 3.0);
  }
  SECTION("bad dims and dtypes are rejected") {
    CHECK_THROWS_AS(tg::softmax(tg::zeros({2, 3}), 2), std::out_of_range);
    CHECK_THROWS_AS(tg::logsumexp(tg::zeros({2, 3}), -3), std::out_of_range);
    CHECK_THROWS(tg::log_softmax(tg::zeros({2, 3}, tg::kInt64), 1));
  }
}

TEST_CASE("gradcheck of softmax, log_softmax and logsumexp along each dim", "[core][kernels]") {
  const auto op = GENERATE(Op::kSoftmax, Op::kLogSoftmax, Op::kLogsumexp);
  const std::int64_t dim = GENERATE(0, 1, 2, -1);
  CAPTURE(static_cast<int>(op), dim);
  auto x = tg::from_vector(random_values(24, 9), kShape).requires_grad_();
  // Weighting the output makes every output element matter differently (a plain sum of softmax is 1).
  const auto w = tg::from_vector(random_values(24, 10), kShape);
  CHECK(tg::gradcheck([&](const std::vector<tg::Tensor>& in) { return run(op, in[0], dim); }, {x}));
  if (op != Op::kLogsumexp)
    CHECK(tg::gradcheck([&](const std::vector<tg::Tensor>& in) { return tg::sum(tg::mul(run(op, in[0], dim), w)); },
                        {x}));
}
