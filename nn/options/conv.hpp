// Options of Conv2d and functional::conv2d, with libtorch's names:
//   Conv2dOptions(1, 32, 3).stride(1).padding("same")
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>

#include "../../core/arg.hpp"
#include "../../core/tensor.hpp"
#include "expanding_array.hpp"

namespace tapegrad::nn {

// Conv2d padding: a size ({h, w} or one value for both) or "same" / "valid" (PyTorch's strings).
class Conv2dPadding {
 public:
  template <std::integral I> Conv2dPadding(I value) : size_(static_cast<std::int64_t>(value)) {}  // NOLINT (0 is no pointer)
  Conv2dPadding(std::initializer_list<std::int64_t> v) : size_(v) {}         // NOLINT
  Conv2dPadding(ExpandingArray<2> v) : size_(std::move(v)) {}                // NOLINT
  Conv2dPadding(const char* mode) : Conv2dPadding(std::string(mode)) {}      // NOLINT
  Conv2dPadding(std::string mode) : size_(0), mode_(std::move(mode)) {}      // NOLINT
  bool is_mode() const { return !mode_.empty(); }
  const std::string& mode() const { return mode_; }   // "same", "valid" (checked where used)
  const ExpandingArray<2>& size() const { return size_; }

 private:
  ExpandingArray<2> size_;
  std::string mode_;
};

struct Conv2dFuncOptions {
  TAPEGRAD_ARG(Tensor, bias);
  TAPEGRAD_ARG(ExpandingArray<2>, stride) = 1;
  TAPEGRAD_ARG(Conv2dPadding, padding) = 0;
  TAPEGRAD_ARG(ExpandingArray<2>, dilation) = 1;
  TAPEGRAD_ARG(std::int64_t, groups) = 1;
};

struct Conv2dOptions {
  Conv2dOptions(std::int64_t in_channels, std::int64_t out_channels, ExpandingArray<2> kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(std::move(kernel_size)) {}
  TAPEGRAD_ARG(std::int64_t, in_channels);
  TAPEGRAD_ARG(std::int64_t, out_channels);
  TAPEGRAD_ARG(ExpandingArray<2>, kernel_size);
  TAPEGRAD_ARG(ExpandingArray<2>, stride) = 1;
  TAPEGRAD_ARG(Conv2dPadding, padding) = 0;
  TAPEGRAD_ARG(ExpandingArray<2>, dilation) = 1;
  TAPEGRAD_ARG(std::int64_t, groups) = 1;
  TAPEGRAD_ARG(bool, bias) = true;
};

}  // namespace tapegrad::nn
