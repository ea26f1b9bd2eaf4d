// What a tape entry knows of its op besides the inputs: the attributes in typed form (ggml's
// op_params, candle's Op::Conv2D{..}). Every built-in op records one of these with record(); the
// entry keeps it, tape_dump and anomaly messages print it, and a tracer can replay it. An op adds a
// struct here only when none of the existing ones says what it needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "arg.hpp"
#include "reduction.hpp"
#include "tensor.hpp"

namespace tapegrad {

// ---- parameter structs that are also public options (conv2d, pooling) ----
// Explicit geometry of a 2-D convolution; padding per side {top, bottom, left, right}.
// (nn::functional::conv2d resolves libtorch's options, "same" and "valid" into this.)
struct Conv2dParams {
  TAPEGRAD_ARG(std::vector<std::int64_t>, stride) = {1, 1};
  TAPEGRAD_ARG(std::vector<std::int64_t>, padding) = {0, 0, 0, 0};
  TAPEGRAD_ARG(std::vector<std::int64_t>, dilation) = {1, 1};
  TAPEGRAD_ARG(std::int64_t, groups) = 1;
};

// {h, w} pairs. Padding pads both sides (-inf for max, 0 for average).
struct Pool2dParams {
  TAPEGRAD_ARG(std::vector<std::int64_t>, kernel_size) = {1, 1};
  TAPEGRAD_ARG(std::vector<std::int64_t>, stride) = {1, 1};
  TAPEGRAD_ARG(std::vector<std::int64_t>, padding) = {0, 0};
  TAPEGRAD_ARG(std::vector<std::int64_t>, dilation) = {1, 1};
  TAPEGRAD_ARG(bool, ceil_mode) = false;
  TAPEGRAD_ARG(bool, count_include_pad) = true;  // avg_pool2d only
};

namespace autograd {

struct NoAttributes {};
// One dim (softmax, log_softmax, cumsum, index_select, gather, cat, max along a dim, ...).
struct DimAttributes {
  std::int64_t dim = 0;
  bool keepdim = false;
};
// Several dims (sum over dims, permute's order).
struct DimsAttributes {
  std::vector<std::int64_t> dims;
  bool keepdim = false;
};
// A scalar operand or parameter (add/mul/... with a Scalar, pow's exponent, tril's diagonal).
struct ScalarAttributes {
  double value = 0;
};
struct ClampAttributes {
  std::optional<double> min, max;
};
// A view's geometry relative to its input's storage: every view op replays as as_strided of it.
struct ViewAttributes {
  Shape size, stride;
  std::int64_t storage_offset = 0;
};
// to(dtype).
struct DtypeAttributes {
  Dtype from = kFloat32, to = kFloat32;
};
// pad: (before, after) pairs from the last dim, and the fill value.
struct PadAttributes {
  std::vector<std::int64_t> pads;
  double value = 0;
};
// The losses over classes and element-wise losses.
struct LossAttributes {
  Reduction reduction = Reduction::kMean;
  std::int64_t ignore_index = -100;
  double label_smoothing = 0;
};

using OpAttributes = std::variant<NoAttributes, DimAttributes, DimsAttributes, ScalarAttributes, ClampAttributes,
                                  ViewAttributes, DtypeAttributes, PadAttributes, LossAttributes, Conv2dParams,
                                  Pool2dParams>;

// "dim=1, keepdim=true", "" for NoAttributes (tape_dump, anomaly messages).
std::string describe(const OpAttributes& attributes);

}  // namespace autograd
}  // namespace tapegrad
