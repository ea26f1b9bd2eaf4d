// libtorch's torch::indexing for tapegrad: x.index({Slice(0, 2), 1, None, Ellipsis, idx}) and
// x.index_put_({...}, value). Integers select (dropping the dim), Slice(start, stop, step) keeps it,
// an int64 tensor picks along a dim (its shape replaces that dim; negative entries count from the end),
// None inserts a dim of 1, Ellipsis stands for the dims not named. One tensor index per call (PyTorch's
// advanced indexing with several index tensors broadcast together is not supported).
#pragma once

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "tensor.hpp"

namespace tapegrad::indexing {

struct NoneIndex {};
struct EllipsisIndex {};

// A bound of a Slice: a number, or None / std::nullopt for "from the start" / "to the end"
// (Slice(None, None, 2), as libtorch).
struct SliceBound {
  SliceBound(std::nullopt_t = std::nullopt) {}  // NOLINT: implicit, as libtorch's optional bounds
  SliceBound(NoneIndex) {}                      // NOLINT
  SliceBound(std::int64_t v) : value(v) {}      // NOLINT
  SliceBound(int v) : value(v) {}               // NOLINT
  std::optional<std::int64_t> value;
};

struct Slice {
  Slice(SliceBound start = {}, SliceBound stop = {}, SliceBound step = {})
      : start(start.value), stop(stop.value), step(step.value) {}
  std::optional<std::int64_t> start, stop, step;
};
inline constexpr NoneIndex None{};
inline constexpr EllipsisIndex Ellipsis{};

class TensorIndex {
 public:
  TensorIndex(std::int64_t i) : value_(i) {}  // NOLINT: implicit, as libtorch
  TensorIndex(int i) : value_(static_cast<std::int64_t>(i)) {}  // NOLINT
  TensorIndex(Slice s) : value_(s) {}  // NOLINT
  TensorIndex(Tensor t) : value_(std::move(t)) {}  // NOLINT
  TensorIndex(NoneIndex n) : value_(n) {}  // NOLINT
  TensorIndex(EllipsisIndex e) : value_(e) {}  // NOLINT
  const std::variant<std::int64_t, Slice, Tensor, NoneIndex, EllipsisIndex>& value() const { return value_; }

 private:
  std::variant<std::int64_t, Slice, Tensor, NoneIndex, EllipsisIndex> value_;
};

}  // namespace tapegrad::indexing

namespace tapegrad {

// Differentiable (composed of index_select and reshape: the gradient scatters back).
Tensor index(const Tensor& x, const std::vector<indexing::TensorIndex>& indices);
// Writes `values` (broadcast to the indexed shape, same dtype) or a number into the indexed elements;
// in place, not recorded (like fill_), so refused on a tensor autograd tracks.
Tensor& index_put_(Tensor& x, const std::vector<indexing::TensorIndex>& indices, const Tensor& values);
Tensor& index_put_(Tensor& x, const std::vector<indexing::TensorIndex>& indices, double value);

}  // namespace tapegrad
