// Shared helpers for the [core] tests. Includes only core headers (no xtensor) to keep builds fast.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <tapegrad/core/autograd.hpp>
#include <tapegrad/core/gradcheck.hpp>
#include <tapegrad/core/ops.hpp>
#include <tapegrad/core/random.hpp>
#include <tapegrad/core/tensor.hpp>

namespace tg = tapegrad;

namespace core_test {

inline std::vector<double> values(const tg::Tensor& t) { return tg::to_vector<double>(t); }

// Element-wise comparison with a relative tolerance (plus a small absolute one near zero).
// NaN matches NaN.
inline void check_values(const tg::Tensor& t, const std::vector<double>& expected, double rel = 1e-12,
                         double abs = 1e-12) {
  const auto got = values(t);
  INFO("got " << Catch::Detail::stringify(got) << ", expected " << Catch::Detail::stringify(expected));
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("element " << i);
    if (std::isnan(expected[i])) {
      CHECK(std::isnan(got[i]));
    } else {
      CHECK(got[i] == Approx(expected[i]).epsilon(rel).margin(abs));
    }
  }
}

// A float64 leaf requiring grad with values drawn from U[low, high).
inline tg::Tensor leaf(const tg::Shape& shape, double low = -1.0, double high = 1.0, tg::Dtype dtype = tg::kFloat64) {
  return tg::uniform(shape, low, high, dtype).requires_grad_();
}

// Like leaf(), with every |value| in [low, high] (random sign): for ops with a kink or pole at 0.
inline tg::Tensor leaf_away_from_zero(const tg::Shape& shape, double low = 0.2, double high = 1.5) {
  tg::Tensor magnitude = tg::uniform(shape, low, high, tg::kFloat64);
  tg::Tensor sign = tg::uniform(shape, -1, 1, tg::kFloat64);
  double* m = magnitude.data<double>();
  const double* s = sign.data<double>();
  for (std::int64_t i = 0; i < magnitude.numel(); ++i) m[i] = s[i] < 0 ? -m[i] : m[i];
  return magnitude.requires_grad_();
}

// gradcheck at PyTorch's defaults; reports the worst element when it fails.
inline bool gradcheck_ok(const tg::GradcheckFn& fn, const std::vector<tg::Tensor>& inputs,
                         tg::GradcheckOptions options = {}) {
  const auto result = tg::gradcheck(fn, inputs, options.raise_exception(false));
  INFO(result.message);
  CHECK(result.passed);
  return result.passed;
}

inline std::string to_string(const tg::Tensor& t) {
  std::ostringstream s;
  s << t;
  return s.str();
}

}  // namespace core_test
