// Helpers shared by the nn and loss tests: value comparison at the spec's tolerances, gradcheck
// with a readable failure, and building tensors in either float dtype.
#pragma once

#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

namespace nn_test {

namespace tg = tapegrad;

// Float32 at rel 1e-5 (abs 1e-6 near zero); float64 at 1e-9 (relative, and absolute near zero).
inline void check_close(const tg::Tensor& actual, const std::vector<double>& expected) {
  REQUIRE(actual.defined());
  const std::vector<double> v = tg::to_vector<double>(actual);
  REQUIRE(v.size() == expected.size());
  const bool f64 = actual.dtype() == tg::kFloat64;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double e = expected[i];
    const double tol = f64 ? 1e-9 * (1 + std::abs(e)) : 1e-6 + 1e-5 * std::abs(e);
    INFO("element " << i << ": got " << v[i] << ", expected " << e << " (" << tg::dtype_name(actual.dtype()) << ")");
    CHECK(std::abs(v[i] - e) <= tol);
  }
}

inline void check_close(const tg::Tensor& actual, double expected) { check_close(actual, std::vector<double>{expected}); }

// Two tensors equal to ~1e-12 (float64 computations that should agree by construction); NaN
// matches NaN.
inline void check_same(const tg::Tensor& a, const tg::Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  const auto va = tg::to_vector<double>(a), vb = tg::to_vector<double>(b);
  for (std::size_t i = 0; i < va.size(); ++i) {
    INFO("element " << i << ": " << va[i] << " vs " << vb[i]);
    if (std::isnan(va[i]) || std::isnan(vb[i])) CHECK((std::isnan(va[i]) && std::isnan(vb[i])));
    else CHECK(std::abs(va[i] - vb[i]) <= 1e-12 * (1 + std::abs(vb[i])));
  }
}

// gradcheck at PyTorch's defaults (float64), reporting the worst element on failure.
inline void check_gradients(const tg::GradcheckFn& fn, const std::vector<tg::Tensor>& inputs) {
  const auto result = tg::gradcheck(fn, inputs, tg::GradcheckOptions().raise_exception(false));
  INFO(result.message);
  CHECK(result.passed);
}

// A float64 leaf that requires grad, from values and a shape.
inline tg::Tensor leaf(const std::vector<double>& values, const tg::Shape& shape) {
  return tg::from_vector(values, shape).requires_grad_();
}

inline tg::Tensor labels(const std::vector<std::int64_t>& values, const tg::Shape& shape) {
  return tg::from_vector(values, shape);
}

inline bool all_nan(const tg::Tensor& t) {
  for (double v : tg::to_vector<double>(t))
    if (!std::isnan(v)) return false;
  return true;
}

inline bool all_zero(const tg::Tensor& t) {
  for (double v : tg::to_vector<double>(t))
    if (v != 0) return false;
  return true;
}

}  // namespace nn_test
