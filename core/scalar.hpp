// Scalar: a number passed to an op (x * 0.5, x + 1), remembering whether it was written as an integer
// or a floating-point value, as libtorch's c10::Scalar does: type promotion treats them differently
// (an int64 tensor times 2 stays int64, times 0.5 or 2.0 becomes float32; core/promotion.cpp).
#pragma once

#include <concepts>
#include <cstdint>
#include <type_traits>

namespace tapegrad {

class Scalar {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  Scalar(T value)  // NOLINT: implicit, so plain numbers are scalars
      : value_(static_cast<double>(value)), integral_(std::is_integral_v<T>) {}

  double to_double() const noexcept { return value_; }
  // Written as an integer (int, long, std::int64_t, bool...), not as a double or float.
  bool is_integral() const noexcept { return integral_; }
  bool is_floating_point() const noexcept { return !integral_; }

 private:
  double value_;  // integers beyond 2^53 lose precision here (tapegrad keeps one representation)
  bool integral_;
};

}  // namespace tapegrad
