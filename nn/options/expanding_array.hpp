// ExpandingArray<N>: libtorch's way to take "3" or "{3, 5}" for a kernel size, stride, padding...
// A single value is repeated N times.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace tapegrad::nn {

template <std::size_t N> class ExpandingArray {
 public:
  ExpandingArray(std::int64_t value) : values_(N, value) {}  // NOLINT: implicit, as libtorch
  ExpandingArray(std::initializer_list<std::int64_t> values) : ExpandingArray(std::vector<std::int64_t>(values)) {}
  ExpandingArray(std::vector<std::int64_t> values) : values_(std::move(values)) {  // NOLINT
    if (values_.size() != N)
      throw std::invalid_argument("expected " + std::to_string(N) + " values (or one), but got " +
                                  std::to_string(values_.size()));
  }
  const std::vector<std::int64_t>& vec() const { return values_; }
  std::int64_t operator[](std::size_t i) const { return values_[i]; }
  std::size_t size() const { return N; }
  bool operator==(const ExpandingArray& other) const = default;

 private:
  std::vector<std::int64_t> values_;
};

// "(3, 3)" as PyTorch prints tuples in module reprs.
template <std::size_t N> std::string tuple_str(const ExpandingArray<N>& a) {
  std::string s = "(";
  for (std::size_t i = 0; i < N; ++i) s += (i ? ", " : "") + std::to_string(a[i]);
  return s + ")";
}

}  // namespace tapegrad::nn
