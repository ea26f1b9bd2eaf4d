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
  if (!autograd::needs_grad({x})) return y;
  return record(Op::gather, {x}, y, [positions, shape = x.shape()](const Tensor& g) {
    return Grads{scatter_positions(g, positions, shape)};
  });
}

// dx = zeros(shape), dx.flat[positions[e]] += g.flat[e]: the backward of gather (and scatter_add's
// scatter), recorded with its own backward, a gather.
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

namespace {

// The flat positions of x (of shape `shape`) that gather(x, dim, index) reads, with PyTorch's checks
// (`op` names the caller in their messages).
Positions gather_positions(const char* op, const Shape& shape, std::int64_t dim, const Tensor& index) {
  check_index(index, op);
  const auto rank = static_cast<std::int64_t>(shape.size());
  if (index.dim() != rank)
    throw std::invalid_argument(std::string(op) + "(): Index tensor must have the same number of dimensions as input tensor (" +
                                shape_str(index.shape()) + " vs " + shape_str(shape) + ")");
  for (std::int64_t d = 0; d < rank; ++d)
    if (d != dim && index.shape()[d] > shape[d])
      throw std::invalid_argument(std::string(op) + "(): Size does not match at dimension " + std::to_string(d) +
                                  " expected index " + shape_str(index.shape()) + " to be smaller than self " +
                                  shape_str(shape) + " apart from dimension " + std::to_string(dim));
  // Element e of index at (.., k, ..) reads x at the same coordinates with dim replaced by index[e].
  const Shape& is = index.shape();
  const detail::Strides xs_full = detail::contiguous_strides(shape);
  detail::Strides xs = xs_full;
  if (rank > 0) xs[static_cast<std::size_t>(dim)] = 0;  // the index supplies this coordinate (0-d: no dims)
  std::vector<std::int64_t> positions(static_cast<std::size_t>(index.numel()));
  const Tensor index_c = index.expect_contiguous();
  const std::int64_t* pi = index_c.data<std::int64_t>();
  const std::int64_t size = rank == 0 ? 1 : shape[dim];
  detail::for_each_offset<2>(is, {detail::broadcast_strides(is, is), xs}, [&](const auto& o) {
    positions[static_cast<std::size_t>(o[0])] = o[1] + checked_position(pi[o[0]], size, dim) * (rank ? xs_full[dim] : 0);
  });
  return std::make_shared<const std::vector<std::int64_t>>(std::move(positions));
}

}  // namespace

Tensor gather(const Tensor& x, std::int64_t dim, const Tensor& index) {
  dim = wrap_dim(dim, x.dim());
  return take_positions(x, gather_positions("gather", x.shape(), dim, index), index.shape());
}

// self + the values of src (its leading block of index's shape) added at the positions gather reads.
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined("scatter_add", self);
  check_defined("scatter_add", src);
  check_same_dtype("scatter_add", self, src, "self and src");
  dim = wrap_dim(dim, self.dim());
  const Positions positions = gather_positions("scatter_add", self.shape(), dim, index);
  if (src.dim() != index.dim())
    throw std::invalid_argument("scatter_add(): Index tensor must have the same number of dimensions as src tensor");
  Tensor block = src;
  for (std::int64_t d = 0; d < src.dim(); ++d) {
    if (index.shape()[d] > src.shape()[d])
      throw std::invalid_argument("scatter_add(): Expected index " + shape_str(index.shape()) +
                                  " to be smaller than src " + shape_str(src.shape()) + " apart from dimension " +
                                  std::to_string(dim));
    if (index.shape()[d] < src.shape()[d]) block = slice(block, d, 0, index.shape()[d]);
  }
  return add(self, scatter_positions(block, positions, self.shape()));
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
  if (!autograd::needs_grad({x})) return y;
  return record(Op::index_select, autograd::DimAttributes{dim}, {x}, y,
                [shape = x.shape(), dim, index = index.detach().reshape({k})](const Tensor& g) {
                  return Grads{index_select_backward(g, shape, dim, index)};
                });
}

// dx = zeros(input_shape), dx[.., index[j], ..] += g[.., j, ..] along dim: one pass over g's rows.
// Linear in g; its own backward selects the same rows again.
Tensor index_select_backward(const Tensor& grad, const Shape& input_shape, std::int64_t dim, const Tensor& index) {
  check_index(index, "index_select_backward");
  dim = wrap_dim(dim, static_cast<std::int64_t>(input_shape.size()));
  const detail::Lines a = detail::Lines::around(input_shape, dim);
  const std::int64_t k = index.numel(), size = a.len;
  Shape grad_shape = input_shape;
  if (!grad_shape.empty()) grad_shape[dim] = k;
  if (grad.shape() != grad_shape)
    throw std::invalid_argument("index_select_backward: grad of size " + shape_str(grad.shape()) + ", expected " +
                                shape_str(grad_shape));
  const std::vector<std::int64_t> rows = to_vector<std::int64_t>(index);
  for (std::int64_t r : rows) checked_position(r, size, dim);
  Tensor dx = zeros(input_shape, grad.dtype());
  const Tensor gc = grad.expect_contiguous();
  dispatch_floating(grad.dtype(), "index_select_backward", [&](auto tag) {
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
  if (!autograd::needs_grad({grad})) return dx;
  return record(Op::index_select_backward, autograd::DimAttributes{dim}, {grad}, dx,
                [dim, index](const Tensor& gg) { return Grads{index_select(gg, dim, index)}; });
}

// ---- Tensor member sugar ----

}  // namespace tapegrad
