// Internal: walking the elements of a broadcast or strided result. An operand is seen through its
// strides (its own, for a view); broadcasting and reduction are expressed as strides too, with stride 0
// along dimensions an operand repeats.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "../tensor.hpp"

namespace tapegrad::detail {

using tapegrad::contiguous_strides;
using tapegrad::Strides;

// A contiguous tensor seen around one dim as (outer, len, inner): outer·inner lines of len values,
// stride inner, along which reductions, softmax and indexing work. A 0-d tensor is one line of one.
struct Lines {
  std::int64_t outer = 1, len = 1, inner = 1;
  static Lines around(const Shape& shape, std::int64_t dim) {
    Lines l;
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
      const std::int64_t d = shape[static_cast<std::size_t>(i)];
      if (i < dim) l.outer *= d;
      else if (i == dim) l.len = d;
      else l.inner *= d;
    }
    return l;
  }
};

// Strides of a contiguous `shape` seen through the larger broadcast shape `out`
// (right-aligned; 0 where `shape` has size 1 or no dimension).
inline Strides broadcast_strides(const Shape& shape, const Shape& out) {
  Strides s(out.size(), 0);
  std::int64_t step = 1;
  const std::size_t offset = out.size() - shape.size();
  for (std::size_t i = shape.size(); i-- > 0;) {
    if (shape[i] != 1) s[i + offset] = step;
    step *= shape[i];
  }
  return s;
}

// ---- layouts (core/ops/copy.cpp, view.cpp) ----
// Elements of storage a layout reaches from offset 0: 1 + its largest element offset (0 when empty).
std::int64_t storage_extent(const Shape& sizes, const Strides& strides, std::int64_t offset);
// dst = src (broadcast to dst's shape), element by element through both layouts, converting the dtype.
void copy_elements(const Tensor& dst, const Tensor& src);
// int64, shaped like x: each element's offset from x's first element, through x's strides.
Tensor element_offsets(const Tensor& x);
// A tensor over base's storage with the given layout (no checks, not recorded).
Tensor make_view(const Tensor& base, Shape sizes, Strides strides, std::int64_t offset);

// The strides of tensor t (its own, whatever its layout) seen through the broadcast shape `out`.
inline Strides broadcast_strides(const Tensor& t, const Shape& out) {
  Strides s(out.size(), 0);
  const Shape& shape = t.shape();
  const Strides own = t.strides();
  const std::size_t offset = out.size() - shape.size();
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1) s[i + offset] = own[i];
  return s;
}

// Calls f(offsets) once per element of `shape`, in row-major order, where offsets[k] is the
// element's position in operand k given its strides. The innermost dimension is a plain loop.
template <std::size_t K, class F>
void for_each_offset(const Shape& shape, const std::array<Strides, K>& strides, F&& f) {
  const std::size_t nd = shape.size();
  for (auto d : shape)
    if (d == 0) return;
  std::array<std::int64_t, K> off{};
  if (nd == 0) { f(off); return; }
  std::vector<std::int64_t> idx(nd, 0);
  const std::int64_t inner = shape[nd - 1];
  std::array<std::int64_t, K> inner_stride{};
  for (std::size_t k = 0; k < K; ++k) inner_stride[k] = strides[k][nd - 1];
  for (;;) {
    std::array<std::int64_t, K> o = off;
    for (std::int64_t j = 0; j < inner; ++j) {
      f(o);
      for (std::size_t k = 0; k < K; ++k) o[k] += inner_stride[k];
    }
    // Carry into the outer dimensions.
    std::size_t d = nd - 1;
    for (;;) {
      if (d == 0) return;
      --d;
      ++idx[d];
      for (std::size_t k = 0; k < K; ++k) off[k] += strides[k][d];
      if (idx[d] < shape[d]) break;
      for (std::size_t k = 0; k < K; ++k) off[k] -= strides[k][d] * shape[d];
      idx[d] = 0;
    }
  }
}

}  // namespace tapegrad::detail
