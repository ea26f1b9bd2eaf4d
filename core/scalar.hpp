// Scalar: a number passed to an op (x * 0.5, x + 1), remembering whether it was written as an integer
// or a floating-point value, as libtorch's c10::Scalar does: type promotion treats them differently
// (an int64 tensor times 2 stays int64, times 0.5 or 2.0 becomes float32; core/promotion.cpp).
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace tapegrad {

class Scalar {
 public:
  template <class T>
    requires std::is_arithmetic_v<T>
  Scalar(T value)  // NOLINT: implicit, so plain numbers are scalars
      : value_(static_cast<double>(value)), integer_(checked_int64(value)), integral_(std::is_integral_v<T>) {}

  double to_double() const noexcept { return value_; }
  // The value in an op's dtype: integers exactly (a double holds them only up to 2^53). A floating value
  // outside int64's range, or NaN, has no int64 value (C++'s cast would be undefined): refused with
  // PyTorch's text.
  template <class T> T to() const {
    if constexpr (std::is_integral_v<T>) {
      if (integral_) return static_cast<T>(integer_);
      if (!(value_ >= -0x1p63 && value_ < 0x1p63))
        throw std::invalid_argument("value cannot be converted to type int64_t without overflow");
    }
    return static_cast<T>(value_);
  }
  // Written as an integer (int, long, std::int64_t, bool...), not as a double or float.
  bool is_integral() const noexcept { return integral_; }
  bool is_floating_point() const noexcept { return !integral_; }

 private:
  // An unsigned value above int64's range has no tapegrad dtype (PyTorch: "Overflow when unpacking long").
  template <class T> static std::int64_t checked_int64(T value) {
    if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T> && sizeof(T) >= sizeof(std::int64_t)) {
      if (value > static_cast<T>(std::numeric_limits<std::int64_t>::max()))
        throw std::invalid_argument(std::to_string(value) + " does not fit in int64");
    }
    if constexpr (std::is_integral_v<T>) return static_cast<std::int64_t>(value);
    else return 0;
  }

  double value_;
  std::int64_t integer_;  // exact, when integral_
  bool integral_;
};

}  // namespace tapegrad
