#include "random.hpp"

#include <atomic>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>
#include <string>

namespace tapegrad {

namespace {
std::atomic<std::uint64_t> default_seed{0};
thread_local std::mt19937_64 thread_generator{default_seed.load()};

// 53 random bits -> [0, 1): the same numbers on every platform (std distributions may differ).
double unit(std::mt19937_64& g) { return static_cast<double>(g() >> 11) * 0x1.0p-53; }

template <class F> Tensor fill_with(const Shape& shape, TensorOptions options, F draw) {
  const bool rg = options.requires_grad();
  Tensor t = empty(shape, options.requires_grad(false));
  dispatch(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = static_cast<T>(draw());
  });
  if (rg) t.requires_grad_(true);
  return t;
}
}  // namespace

void manual_seed(std::uint64_t seed) {
  default_seed = seed;
  thread_generator.seed(seed);
}

std::mt19937_64& generator() { return thread_generator; }

double uniform_double(double low, double high) { return low + (high - low) * unit(thread_generator); }

Tensor uniform(const Shape& shape, double low, double high, TensorOptions options) {
  check_floating(options.dtype(), "uniform");
  return fill_with(shape, options, [&] { return uniform_double(low, high); });
}

Tensor rand(const Shape& shape, TensorOptions options) { return uniform(shape, 0.0, 1.0, options); }

Tensor randn(const Shape& shape, TensorOptions options) {
  check_floating(options.dtype(), "randn");
  return fill_with(shape, options, [] {
    // Box-Muller; 1 - u keeps the log argument in (0, 1].
    const double u1 = 1.0 - unit(thread_generator), u2 = unit(thread_generator);
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  });
}

Tensor randint(std::int64_t low, std::int64_t high, const Shape& shape, TensorOptions options) {
  if (high <= low)
    throw std::invalid_argument("randint: expected low < high, but got low=" + std::to_string(low) +
                                " and high=" + std::to_string(high));
  const auto range = static_cast<std::uint64_t>(high - low);
  return fill_with(shape, options, [&] { return low + static_cast<std::int64_t>(thread_generator() % range); });
}

Tensor randperm(std::int64_t n) {
  Tensor t = arange(static_cast<double>(n), kInt64);
  std::int64_t* p = t.data<std::int64_t>();
  for (std::int64_t i = n - 1; i > 0; --i) {  // Fisher-Yates
    const auto j = static_cast<std::int64_t>(thread_generator() % static_cast<std::uint64_t>(i + 1));
    std::swap(p[i], p[j]);
  }
  return t;
}

}  // namespace tapegrad

namespace tapegrad {
std::string engine_text(const std::mt19937_64& engine) {
  std::ostringstream out;
  out << engine;
  return out.str();
}

std::mt19937_64 engine_from_text(const std::string& text, const std::string& what) {
  std::istringstream in(text);
  std::mt19937_64 engine;
  in >> engine;
  if (in.fail()) throw std::invalid_argument(what + ": not a generator state");
  return engine;
}

std::string get_rng_state() { return engine_text(generator()); }

void set_rng_state(const std::string& state) { generator() = engine_from_text(state, "set_rng_state"); }
}  // namespace tapegrad
