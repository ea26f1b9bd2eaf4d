// Helpers shared by every unit's tests: one way to compare values, leaves and labels to feed ops,
// gradcheck with a readable failure, and small modules built on nn::Module alone. Includes only
// core and nn/module headers (no xtensor) to keep the suite quick to build.
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <iomanip>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <tapegrad/core/autograd.hpp>
#include <tapegrad/core/gradcheck.hpp>
#include <tapegrad/core/ops.hpp>
#include <tapegrad/core/random.hpp>
#include <tapegrad/core/tensor.hpp>
#include <tapegrad/nn/module.hpp>

namespace tg = tapegrad;

namespace support {

// ---- comparing values ----

inline std::vector<double> values(const tg::Tensor& t) { return tg::to_vector<double>(t); }

// |actual - expected| within atol, or within rtol relative to |expected| (Catch's Approx rule; a
// little stricter than torch.allclose's atol + rtol·|expected|). NaN matches NaN; an infinity
// matches only the same infinity.
inline bool is_close(double actual, double expected, double atol, double rtol) {
  if (std::isnan(actual) || std::isnan(expected)) return std::isnan(actual) && std::isnan(expected);
  if (actual == expected) return true;
  const double diff = std::abs(actual - expected);
  return diff <= atol || diff <= rtol * std::abs(expected);
}

// Checks every element (one assertion each); a failure names the element and the worst one overall.
inline void check_close(const std::vector<double>& actual, const std::vector<double>& expected, double atol,
                        double rtol) {
  REQUIRE(actual.size() == expected.size());
  std::ostringstream worst;  // the element furthest past its tolerance (a NaN or infinity mismatch first)
  worst.precision(17);
  double worst_excess = -1;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (is_close(actual[i], expected[i], atol, rtol)) continue;
    const double diff = std::abs(actual[i] - expected[i]);
    const double excess = std::isfinite(diff) ? diff - std::max(atol, rtol * std::abs(expected[i])) : INFINITY;
    if (excess > worst_excess) {
      worst_excess = excess;
      worst.str("");
      worst << "; worst element " << i << ": got " << actual[i] << ", expected " << expected[i];
    }
  }
  INFO("atol " << atol << ", rtol " << rtol << worst.str());
  for (std::size_t i = 0; i < actual.size(); ++i) {
    INFO("element " << i << ": got " << std::setprecision(17) << actual[i] << ", expected " << expected[i]);
    CHECK(is_close(actual[i], expected[i], atol, rtol));
  }
}

// The default tolerance (1e-12) is float64 rounding: for values a test knows exactly.
inline void check_close(const tg::Tensor& actual, const std::vector<double>& expected, double atol = 1e-12,
                        double rtol = 1e-12) {
  REQUIRE(actual.defined());
  INFO("a " << tg::dtype_name(actual.dtype()) << " tensor");
  check_close(values(actual), expected, atol, rtol);
}

inline void check_close(const tg::Tensor& actual, double expected, double atol = 1e-12, double rtol = 1e-12) {
  check_close(actual, std::vector<double>{expected}, atol, rtol);
}

// Two tensors of the same shape, element by element.
inline void check_close(const tg::Tensor& actual, const tg::Tensor& expected, double atol = 1e-12,
                        double rtol = 1e-12) {
  REQUIRE(expected.defined());
  REQUIRE(actual.shape() == expected.shape());
  check_close(actual, values(expected), atol, rtol);
}

// A value PyTorch 1.13 gives, at the spec's tolerance for the tensor's
// dtype: float32 to 1e-5 relative (1e-6 absolute near 0), float64 to 1e-9 (both).
inline void check_reference(const tg::Tensor& actual, const std::vector<double>& expected) {
  REQUIRE(actual.defined());
  const bool f64 = actual.dtype() == tg::kFloat64;
  check_close(actual, expected, f64 ? 1e-9 : 1e-6, f64 ? 1e-9 : 1e-5);
}

inline void check_reference(const tg::Tensor& actual, double expected) {
  check_reference(actual, std::vector<double>{expected});
}

inline bool all_nan(const tg::Tensor& t) {
  for (double v : values(t))
    if (!std::isnan(v)) return false;
  return true;
}

inline bool all_zero(const tg::Tensor& t) {
  for (double v : values(t))
    if (v != 0) return false;
  return true;
}

inline std::string to_string(const tg::Tensor& t) {
  std::ostringstream s;
  s << t;
  return s.str();
}

// ---- inputs ----

using Inputs = std::vector<tg::Tensor>;  // what a gradcheck function takes

inline constexpr tg::Dtype kFloatDtypes[] = {tg::kFloat32, tg::kFloat64};

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

// A leaf requiring grad holding the given values.
inline tg::Tensor leaf_from(const std::vector<double>& values, const tg::Shape& shape, tg::Dtype dtype = tg::kFloat64) {
  return tg::from_vector(values, shape, dtype).requires_grad_();
}

// Class indices (int64).
inline tg::Tensor labels(const std::vector<std::int64_t>& values, const tg::Shape& shape) {
  return tg::from_vector(values, shape);
}

// ---- gradients ----

// gradcheck at PyTorch's defaults unless told otherwise; reports the worst element when it fails.
inline bool gradcheck_ok(const tg::GradcheckFn& fn, const std::vector<tg::Tensor>& inputs,
                         tg::GradcheckOptions options = {}) {
  const auto result = tg::gradcheck(fn, inputs, options.raise_exception(false));
  INFO(result.message);
  CHECK(result.passed);
  return result.passed;
}

// Backward from a loss of any reduction (kNone outputs are summed first).
inline void backward_of(const tg::Tensor& loss) { (loss.dim() == 0 ? loss : tg::sum(loss)).backward(); }

// ---- errors ----

// The message of the std::runtime_error `f` throws; "(no exception)" when it returns normally.
// Any other exception type (std::bad_alloc, ...) escapes and fails the test.
template <class F> std::string runtime_error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no exception)";
}

// ---- small modules built on nn::Module alone ----

// A Linear-shaped layer: weight (out, in) and bias (out).
struct Dense : tg::nn::Module {
  Dense(std::int64_t in, std::int64_t out, tg::Dtype dtype) {
    register_parameter("weight", tg::zeros({out, in}, dtype));
    register_parameter("bias", tg::zeros({out}, dtype));
  }
};

// Two layers named like Sequential's children: "0.weight", "0.bias", "1.weight", "1.bias".
struct TwoLayer : tg::nn::Module {
  explicit TwoLayer(tg::Dtype dtype = tg::kFloat32) {
    register_module("0", std::make_shared<Dense>(3, 4, dtype));
    register_module("1", std::make_shared<Dense>(4, 2, dtype));
  }
};

// Parameters built from a list of (name, tensor); for crafted-file tests.
struct Params : tg::nn::Module {
  explicit Params(const std::vector<std::pair<std::string, tg::Tensor>>& params) {
    for (const auto& [name, t] : params) register_parameter(name, t, t.is_floating_point());
  }
};

// Gives every parameter element a distinct value depending on `seed`.
inline void fill_distinct(const tg::nn::Module& module, double seed) {
  tg::NoGradGuard no_grad;  // parameters are written in place
  int k = 0;
  for (auto& p : module.parameters()) {
    std::vector<double> v(static_cast<std::size_t>(p.numel()));
    for (auto& x : v) {
      ++k;
      x = (seed + 1.25 * k) * (k % 2 ? -1 : 1);
    }
    p.copy_(tg::from_vector(v, p.shape()));
  }
}

// All parameter values, in order, as doubles.
inline std::vector<double> snapshot(const tg::nn::Module& module) {
  std::vector<double> out;
  for (auto& p : module.parameters())
    for (double x : values(p)) out.push_back(x);
  return out;
}

inline std::vector<std::uint64_t> versions(const tg::nn::Module& module) {
  std::vector<std::uint64_t> out;
  for (auto& p : module.parameters()) out.push_back(p.version());
  return out;
}

}  // namespace support
