// Shape and indexing ops. reshape/view share storage; transpose/permute copy (tensors stay contiguous).
#include <numeric>
#include <stdexcept>

#include "common.hpp"

namespace tapegrad {


namespace {

Shape infer_shape(const Shape& requested, std::int64_t numel) {
  Shape shape = requested;
  std::int64_t known = 1, infer_at = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer_at >= 0) throw std::invalid_argument("only one dimension can be inferred");
      infer_at = static_cast<std::int64_t>(i);
    } else if (shape[i] < 0) {
      throw std::invalid_argument("invalid shape dimension " + std::to_string(shape[i]));
    } else {
      if (__builtin_mul_overflow(known, shape[i], &known))
        throw std::invalid_argument("shape '" + shape_str(requested) + "' has more elements than fit in 64 bits");
    }
  }
  if (infer_at >= 0 && known != 0 && numel % known == 0) shape[static_cast<std::size_t>(infer_at)] = numel / known;
  if ((infer_at >= 0 && (known == 0 || numel % known != 0)) || shape_numel(shape) != numel)
    throw std::invalid_argument("shape '" + shape_str(requested) + "' is invalid for input of size " + std::to_string(numel));
  return shape;
}

// A tensor with a new shape over the same storage.
Tensor alias(const Tensor& x, const Shape& shape) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = x.impl()->storage;
  impl->shape = shape;
  impl->dtype = x.dtype();
  return Tensor(std::move(impl));
}

}  // namespace

Tensor reshape(const Tensor& x, const Shape& shape) {
  const Shape s = infer_shape(shape, x.numel());
  return record(Op::reshape, {x}, alias(x, s), [from = x.shape()](const Tensor& g) { return Grads{g.reshape(from)}; });
}

Tensor view(const Tensor& x, const Shape& shape) { return reshape(x, shape); }

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  if (x.dim() == 0) return reshape(x, {1});
  start_dim = wrap_dim(start_dim, x.dim());
  end_dim = wrap_dim(end_dim, x.dim());
  if (start_dim > end_dim) throw std::invalid_argument("flatten() has invalid args: start_dim cannot come after end_dim");
  Shape s;
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    if (i <= start_dim || i > end_dim) s.push_back(x.shape()[i]);
    else s.back() *= x.shape()[i];
  }
  return reshape(x, s);
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  dim = wrap_dim(dim, x.dim());
  if (x.dim() == 0 || x.shape()[dim] != 1) return reshape(x, x.shape());
  Shape s = x.shape();
  s.erase(s.begin() + dim);
  return reshape(x, s);
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  dim = wrap_dim(dim, x.dim() + 1);
  Shape s = x.shape();
  s.insert(s.begin() + dim, 1);
  return reshape(x, s);
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
  const auto nd = static_cast<std::size_t>(x.dim());
  if (dims.size() != nd)
    throw std::invalid_argument("permute: number of dims don't match (tensor has " + std::to_string(nd) + ", got " +
                                std::to_string(dims.size()) + ")");
  std::vector<std::int64_t> perm(nd);
  std::vector<bool> used(nd, false);
  for (std::size_t i = 0; i < nd; ++i) {
    perm[i] = wrap_dim(dims[i], x.dim());
    if (used[static_cast<std::size_t>(perm[i])]) throw std::invalid_argument("permute: repeated dim in permutation");
    used[static_cast<std::size_t>(perm[i])] = true;
  }
  // Output element i reads x at the position given by x's contiguous strides, permuted.
  const detail::Strides x_strides = detail::contiguous_strides(x.shape());
  detail::Strides src(nd);
  Shape out_shape(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    out_shape[i] = x.shape()[static_cast<std::size_t>(perm[i])];
    src[i] = x_strides[static_cast<std::size_t>(perm[i])];
  }
  Tensor y = empty(out_shape, x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    T* py = y.data<T>();
    detail::for_each_offset<2>(out_shape, {src, detail::broadcast_strides(out_shape, out_shape)},
                               [&](const auto& o) { py[o[1]] = px[o[0]]; });
  });
  std::vector<std::int64_t> inverse(nd);
  for (std::size_t i = 0; i < nd; ++i) inverse[static_cast<std::size_t>(perm[i])] = static_cast<std::int64_t>(i);
  return record(Op::permute, {x}, y, [inverse](const Tensor& g) { return Grads{permute(g, inverse)}; });
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  if (x.dim() == 0) return reshape(x, x.shape());
  dim0 = wrap_dim(dim0, x.dim());
  dim1 = wrap_dim(dim1, x.dim());
  std::vector<std::int64_t> perm(static_cast<std::size_t>(x.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::swap(perm[static_cast<std::size_t>(dim0)], perm[static_cast<std::size_t>(dim1)]);
  return permute(x, perm);
}

Tensor t(const Tensor& x) {
  if (x.dim() > 2) throw std::invalid_argument("t() expects a tensor with <= 2 dimensions, but self is " + std::to_string(x.dim()) + "D");
  return x.dim() < 2 ? reshape(x, x.shape()) : transpose(x, 0, 1);
}

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
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
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
  dispatch_floating(g.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    const T* pg = g.data<T>();
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
  const std::int64_t* pi = index.data<std::int64_t>();
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
  for (std::int64_t j = 0; j < k; ++j) rows[static_cast<std::size_t>(j)] = checked_position(index.data<std::int64_t>()[j], size, dim);
  Shape out_shape = x.shape();
  if (!out_shape.empty()) out_shape[dim] = k;
  const detail::Lines a = detail::Lines::around(x.shape(), dim);
  Tensor y = empty(out_shape, x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
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
    dispatch_floating(g.dtype(), "index_select_backward", [&](auto tag) {
      using T = decltype(tag);
      const T* pg = g.data<T>();
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
