// Indexing ops that copy: gather and index_select (the views are in view.cpp).
#include <numeric>
#include <stdexcept>

#include "common.hpp"

namespace tapegrad {


namespace {

void check_index(const Tensor& index, const char* op) {
  if (index.dtype() != kInt64)
    throw std::invalid_argument(std::string(op) + "(): Expected dtype int64 for index, but got " + dtype_name(index.dtype()));
}

// Indices must lie in [0, size): negative ones are rejected, as PyTorch's gather and index_select do
// (wrapping them would silently turn a bad label into a valid one).
std::int64_t checked_position(std::int64_t v, std::int64_t size, std::int64_t dim) {
  if (v < 0 || v >= size)
    throw std::out_of_range("index " + std::to_string(v) + " is out of bounds for dimension " + std::to_string(dim) +
                            " with size " + std::to_string(size));
  return v;
}

// Flat element positions: gather reads x.flat[positions[e]] into y.flat[e]; its backward adds back.
using Positions = std::shared_ptr<const std::vector<std::int64_t>>;
Tensor scatter_positions(const Tensor& g, const Positions& positions, const Shape& shape);

// y.flat[e] = x.flat[positions[e]], recorded as gather.
Tensor take_positions(const Tensor& x, const Positions& positions, const Shape& out_shape) {
  Tensor y = empty(out_shape, x.dtype());
  const Tensor xc = x.expect_contiguous();  // positions are row-major
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    for (std::size_t e = 0; e < positions->size(); ++e) py[e] = px[(*positions)[e]];
  });
  return record(Op::gather, {x}, y, [positions, shape = x.shape()](const Tensor& g) {
    return Grads{scatter_positions(g, positions, shape)};
  });
}

// dx = zeros(shape), dx.flat[positions[e]] += g.flat[e]: the backward of gather and index_select,
// itself recorded (scatter_add) so that under create_graph it is differentiated again, by a gather.
Tensor scatter_positions(const Tensor& g, const Positions& positions, const Shape& shape) {
  Tensor dx = zeros(shape, g.dtype());
  const Tensor gc = g.expect_contiguous();
  dispatch_floating(g.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = gc.data<T>();
    T* pd = dx.data<T>();
    for (std::size_t e = 0; e < positions->size(); ++e) pd[(*positions)[e]] += pg[e];
  });
  return record(Op::scatter_add, {g}, dx, [positions, from = g.shape()](const Tensor& gg) {
    return Grads{take_positions(gg, positions, from)};
  });
}

}  // namespace

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_index(index, "gather");
  dim = wrap_dim(dim, x.dim());
  if (index.dim() != x.dim())
    throw std::invalid_argument("gather(): Index tensor must have the same number of dimensions as input tensor (" +
                                shape_str(index.shape()) + " vs " + shape_str(x.shape()) + ")");
  for (std::int64_t d = 0; d < x.dim(); ++d)
    if (d != dim && index.shape()[d] > x.shape()[d])
      throw std::invalid_argument("gather(): Size does not match at dimension " + std::to_string(d) +
                                  " expected index " + shape_str(index.shape()) + " to be smaller than self " +
                                  shape_str(x.shape()) + " apart from dimension " + std::to_string(dim));
  // Element e of index at (.., k, ..) reads x at the same coordinates with dim replaced by index[e].
  const Shape& is = index.shape();
  const detail::Strides xs_full = detail::contiguous_strides(x.shape());
  detail::Strides xs = xs_full;
  if (x.dim() > 0) xs[static_cast<std::size_t>(dim)] = 0;  // the index supplies this coordinate (0-d: no dims)
  std::vector<std::int64_t> positions(static_cast<std::size_t>(index.numel()));
  const Tensor index_c = index.expect_contiguous();
  const std::int64_t* pi = index_c.data<std::int64_t>();
  const std::int64_t size = x.dim() == 0 ? 1 : x.shape()[dim];
  detail::for_each_offset<2>(is, {detail::broadcast_strides(is, is), xs}, [&](const auto& o) {
    positions[static_cast<std::size_t>(o[0])] = o[1] + checked_position(pi[o[0]], size, dim) * (x.dim() ? xs_full[dim] : 0);
  });
  return take_positions(x, std::make_shared<const std::vector<std::int64_t>>(std::move(positions)), is);
}

Tensor index_select(const Tensor& x, std::int64_t dim, const Tensor& index) {
  check_index(index, "index_select");
  if (index.dim() > 1) throw std::invalid_argument("index_select(): Index is supposed to be a vector");
  if (x.dim() == 0 && index.numel() != 1)
    throw std::invalid_argument("index_select(): Index to scalar can have only 1 value, got " +
                                std::to_string(index.numel()) + " value(s)");
  dim = wrap_dim(dim, x.dim());
  const std::int64_t size = x.dim() == 0 ? 1 : x.shape()[dim];
  const std::int64_t k = index.numel();
  std::vector<std::int64_t> rows(static_cast<std::size_t>(k));
  const std::vector<std::int64_t> picked = to_vector<std::int64_t>(index);
  for (std::int64_t j = 0; j < k; ++j) rows[static_cast<std::size_t>(j)] = checked_position(picked[static_cast<std::size_t>(j)], size, dim);
  Shape out_shape = x.shape();
  if (!out_shape.empty()) out_shape[dim] = k;
  const detail::Lines a = detail::Lines::around(x.shape(), dim);
  Tensor y = empty(out_shape, x.dtype());
  const Tensor xc = x.expect_contiguous();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    for (std::int64_t o = 0; o < a.outer; ++o)
      for (std::int64_t j = 0; j < k; ++j)
        std::copy_n(px + (o * size + rows[static_cast<std::size_t>(j)]) * a.inner, a.inner, py + (o * k + j) * a.inner);
  });
  return record(Op::index_select, {x}, y, [shape = x.shape(), a, size, rows = std::move(rows)](const Tensor& g) {
    const auto k = static_cast<std::int64_t>(rows.size());
    if (autograd::needs_grad({g})) {  // create_graph: the recorded scatter over the same positions
      auto positions = std::make_shared<std::vector<std::int64_t>>();
      positions->reserve(static_cast<std::size_t>(g.numel()));
      for (std::int64_t o = 0; o < a.outer; ++o)
        for (std::int64_t j = 0; j < k; ++j)
          for (std::int64_t i = 0; i < a.inner; ++i)
            positions->push_back((o * size + rows[static_cast<std::size_t>(j)]) * a.inner + i);
      return Grads{scatter_positions(g, positions, shape)};
    }
    Tensor dx = zeros(shape, g.dtype());
    const Tensor gc = g.expect_contiguous();
    dispatch_floating(g.dtype(), "index_select_backward", [&](auto tag) {
      using T = decltype(tag);
      const T* pg = gc.data<T>();
      T* pd = dx.data<T>();
      for (std::int64_t o = 0; o < a.outer; ++o)
        for (std::int64_t j = 0; j < k; ++j) {
          T* dst = pd + (o * size + rows[static_cast<std::size_t>(j)]) * a.inner;
          const T* src = pg + (o * k + j) * a.inner;
          for (std::int64_t i = 0; i < a.inner; ++i) dst[i] += src[i];
        }
    });
    return Grads{dx};
  });
}

// ---- Tensor member sugar ----

}  // namespace tapegrad
