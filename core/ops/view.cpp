// Views: ops whose result is the input's storage seen through new sizes, strides and storage offset,
// with PyTorch's geometry (nothing is copied; the result shares the input's version counter). Each op
// computes its geometry, makes the view with make_view, and records one of two kinds of backward:
//  - a rearrangement (view, transpose/permute, expand) is undone by its inverse (reshape back, the
//    inverse permutation, sum_to_size);
//  - a view that picks some of its input's elements (narrow/slice, select, diagonal, unfold,
//    as_strided) has view_scatter as its backward: zeros of the input's shape with the gradient added
//    through the same view. view_scatter is an op of its own whose backward is the view again, so
//    double backward works.
// unbind and split/chunk are one multi-output entry each (autograd::record_multi), whose backward runs
// once and stacks/concatenates the pieces' gradients (zeros for pieces nobody used).
#include <algorithm>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>

#include "common.hpp"

namespace tapegrad {

namespace detail {

Tensor make_view(const Tensor& base, Shape sizes, Strides strides, std::int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.impl()->storage;
  impl->dtype = base.dtype();
  impl->set_layout(std::move(sizes), std::move(strides), offset);
  return Tensor(std::move(impl));
}

}  // namespace detail

namespace {

using detail::make_view;
// A picking view's geometry: the view of any tensor shaped like the op's input (not recorded).
using Geometry = std::function<Tensor(const Tensor&)>;

Tensor picking_view(Op op, const Tensor& x, const Geometry& geometry, bool row_major_input = false);

// A view's tape attributes: its geometry over the storage it shares with its input.
autograd::ViewAttributes view_attributes(const Tensor& view) {
  return {view.shape(), view.strides(), view.storage_offset()};
}

// The backward of a picking view: zeros shaped like the view's input, with g added at the elements the
// view picks (repeated elements, as unfold's overlapping windows, accumulate). Its own backward is the
// picking view again.
Tensor view_scatter(Op op, const Tensor& g, const Shape& input_shape, const Geometry& geometry, bool row_major_input) {
  Tensor dx = zeros(input_shape, g.dtype());
  const Tensor target = geometry(dx);
  dispatch_floating(g.dtype(), "view_scatter", [&](auto tag) {
    using T = decltype(tag);
    T* pt = target.data_ptr<T>();
    const T* pg = g.data_ptr<T>();
    detail::for_each_offset<2>(target.shape(), {target.strides(), g.strides()},
                               [&](const auto& o) { pt[o[0]] += pg[o[1]]; });
  });
  return record(Op::view_scatter, view_attributes(target), {g}, dx, [op, geometry, row_major_input](const Tensor& gg) {
    return Grads{picking_view(op, gg, geometry, row_major_input)};
  });
}

// Records the picking view `geometry` of x as `op`. row_major_input: the geometry reads its input's
// storage directly (as_strided), so the input is made contiguous first.
Tensor picking_view(Op op, const Tensor& x0, const Geometry& geometry, bool row_major_input) {
  const Tensor x = row_major_input ? contiguous(x0) : x0;
  Tensor y = geometry(x);
  if (!autograd::needs_grad({x})) return y;
  return record(op, view_attributes(y), {x}, y, [shape = x.shape(), op, geometry, row_major_input](const Tensor& g) {
    return Grads{view_scatter(op, g, shape, geometry, row_major_input)};
  });
}

// Records a rearranging view (same elements, new shape or order) whose inverse is `undo`.
Tensor rearranging_view(Op op, const Tensor& x, const Tensor& y, std::function<Tensor(const Tensor&)> undo) {
  return record(op, view_attributes(y), {x}, y, [undo = std::move(undo)](const Tensor& g) { return Grads{undo(g)}; });
}

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

// The strides that let `sizes` view the elements of a tensor of (old_sizes, old_strides), or nothing
// when no strides can (PyTorch's computeStride): the old dimensions split into runs that are
// contiguous with each other, and each run must map onto whole new dimensions.
std::optional<Strides> view_strides(const Shape& old_sizes, const Strides& old_strides, const Shape& sizes) {
  if (old_sizes.empty()) return Strides(sizes.size(), 1);
  const std::int64_t numel = shape_numel(old_sizes);
  if (numel == 0) return old_sizes == sizes ? old_strides : contiguous_strides(sizes);
  Strides strides(sizes.size());
  auto view_d = static_cast<std::int64_t>(sizes.size()) - 1;
  std::int64_t chunk_base_stride = old_strides.back(), tensor_numel = 1, view_numel = 1;
  for (auto d = static_cast<std::int64_t>(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[static_cast<std::size_t>(d)];
    // A run ends where the next outer dimension is not contiguous with this one.
    if (d == 0 || (old_sizes[static_cast<std::size_t>(d - 1)] != 1 &&
                   old_strides[static_cast<std::size_t>(d - 1)] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || sizes[static_cast<std::size_t>(view_d)] == 1)) {
        strides[static_cast<std::size_t>(view_d)] = view_numel * chunk_base_stride;
        view_numel *= sizes[static_cast<std::size_t>(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[static_cast<std::size_t>(d - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return strides;
}

// A view of x with the given sizes (whose element count x has), recorded as Op::view.
Tensor view_as_shape(const Tensor& x, const Shape& sizes, const Strides& strides) {
  Tensor y = make_view(x, sizes, strides, x.storage_offset());
  return rearranging_view(Op::view, x, y, [from = x.shape()](const Tensor& g) { return reshape(g, from); });
}

std::int64_t checked_size(const Tensor& x, const char* op) {
  if (x.dim() == 0) throw std::invalid_argument(std::string(op) + "() cannot be applied to a 0-dim tensor.");
  return 0;
}

}  // namespace

// ---- rearranging views ----

Tensor view(const Tensor& x, const Shape& shape) {
  check_defined("view", x);
  const Shape sizes = infer_shape(shape, x.numel());
  const auto strides = view_strides(x.shape(), x.strides(), sizes);
  if (!strides)
    throw std::invalid_argument(
        "view size is not compatible with input tensor's size and stride (at least one dimension spans across two "
        "contiguous subspaces). Use .reshape(...) instead. (input " + shape_str(x.shape()) + " with strides " +
        shape_str(x.strides()) + ", view " + shape_str(sizes) + ")");
  return view_as_shape(x, sizes, *strides);
}

// A view when the strides allow one, else a row-major copy viewed (PyTorch's reshape).
Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined("reshape", x);
  const Shape sizes = infer_shape(shape, x.numel());
  if (const auto strides = view_strides(x.shape(), x.strides(), sizes)) return view_as_shape(x, sizes, *strides);
  const Tensor c = contiguous(x);
  return view_as_shape(c, sizes, contiguous_strides(sizes));
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  check_defined("flatten", x);
  if (x.dim() == 0) return reshape(x, {1});
  start_dim = wrap_dim(start_dim, x.dim());
  end_dim = wrap_dim(end_dim, x.dim());
  if (start_dim > end_dim) throw std::invalid_argument("flatten() has invalid args: start_dim cannot come after end_dim");
  if (start_dim == end_dim) return x;
  Shape s;
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    if (i <= start_dim || i > end_dim) s.push_back(x.shape()[i]);
    else s.back() *= x.shape()[i];
  }
  return reshape(x, s);
}

Tensor unflatten(const Tensor& x, std::int64_t dim, const Shape& sizes) {
  check_defined("unflatten", x);
  dim = wrap_dim(dim, x.dim());
  if (sizes.empty()) throw std::invalid_argument("unflatten: sizes must be non-empty");
  Shape inner = infer_shape(sizes, x.size(dim));
  Shape s(x.shape().begin(), x.shape().begin() + dim);
  s.insert(s.end(), inner.begin(), inner.end());
  s.insert(s.end(), x.shape().begin() + dim + 1, x.shape().end());
  return view(x, s);
}

Tensor squeeze(const Tensor& x) {
  check_defined("squeeze", x);
  Shape sizes;
  Strides strides;
  const Strides own = x.strides();
  for (std::int64_t d = 0; d < x.dim(); ++d)
    if (x.shape()[d] != 1) sizes.push_back(x.shape()[d]), strides.push_back(own[d]);
  return view_as_shape(x, sizes, strides);
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  check_defined("squeeze", x);
  dim = wrap_dim(dim, x.dim());
  Shape sizes = x.shape();
  Strides strides = x.strides();
  if (x.dim() > 0 && sizes[dim] == 1) {
    sizes.erase(sizes.begin() + dim);
    strides.erase(strides.begin() + dim);
  }
  return view_as_shape(x, sizes, strides);
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  check_defined("unsqueeze", x);
  dim = wrap_dim(dim, x.dim() + 1);
  Shape sizes = x.shape();
  Strides strides = x.strides();
  // PyTorch's rule for the new dimension's stride: what stepping over the next dimension would take.
  const std::int64_t stride = dim >= x.dim() ? 1 : sizes[dim] * strides[dim];
  sizes.insert(sizes.begin() + dim, 1);
  strides.insert(strides.begin() + dim, stride);
  return view_as_shape(x, sizes, strides);
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
  check_defined("permute", x);
  const auto nd = static_cast<std::size_t>(x.dim());
  if (dims.size() != nd)
    throw std::invalid_argument("permute(sparse_coo): number of dimensions in the tensor input does not match the "
                                "length of the desired ordering of dimensions i.e. input.dim() = " +
                                std::to_string(nd) + " is not equal to len(dims) = " + std::to_string(dims.size()));
  std::vector<std::int64_t> perm(nd);
  std::vector<bool> used(nd, false);
  for (std::size_t i = 0; i < nd; ++i) {
    perm[i] = wrap_dim(dims[i], x.dim());
    if (used[static_cast<std::size_t>(perm[i])]) throw std::invalid_argument("permute(): duplicate dims are not allowed.");
    used[static_cast<std::size_t>(perm[i])] = true;
  }
  const Strides own = x.strides();
  Shape sizes(nd);
  Strides strides(nd);
  std::vector<std::int64_t> inverse(nd);
  for (std::size_t i = 0; i < nd; ++i) {
    sizes[i] = x.shape()[static_cast<std::size_t>(perm[i])];
    strides[i] = own[static_cast<std::size_t>(perm[i])];
    inverse[static_cast<std::size_t>(perm[i])] = static_cast<std::int64_t>(i);
  }
  Tensor y = make_view(x, sizes, strides, x.storage_offset());
  return rearranging_view(Op::permute, x, y, [inverse](const Tensor& g) { return permute(g, inverse); });
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  check_defined("transpose", x);
  dim0 = wrap_dim(dim0, x.dim());
  dim1 = wrap_dim(dim1, x.dim());
  std::vector<std::int64_t> perm(static_cast<std::size_t>(x.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  if (x.dim() > 0) std::swap(perm[static_cast<std::size_t>(dim0)], perm[static_cast<std::size_t>(dim1)]);
  return permute(x, perm);
}

Tensor t(const Tensor& x) {
  check_defined("t", x);
  if (x.dim() > 2) throw std::invalid_argument("t() expects a tensor with <= 2 dimensions, but self is " + std::to_string(x.dim()) + "D");
  return x.dim() < 2 ? transpose(x, 0, 0) : transpose(x, 0, 1);
}

Tensor movedim(const Tensor& x, const std::vector<std::int64_t>& source, const std::vector<std::int64_t>& destination) {
  check_defined("movedim", x);
  if (source.size() != destination.size())
    throw std::invalid_argument("movedim: Invalid source or destination dims: source (" + shape_str(source) +
                                " dims) should contain the same number of dims as destination (" +
                                shape_str(destination) + " dims)");
  const auto nd = static_cast<std::size_t>(x.dim());
  std::vector<std::int64_t> perm(nd, -1);
  std::vector<bool> src_used(nd, false), dst_used(nd, false);
  for (std::size_t i = 0; i < source.size(); ++i) {
    const auto s = static_cast<std::size_t>(wrap_dim(source[i], x.dim()));
    const auto d = static_cast<std::size_t>(wrap_dim(destination[i], x.dim()));
    if (src_used[s]) throw std::invalid_argument("movedim: repeated dim in `source` (" + shape_str(source) + ")");
    if (dst_used[d]) throw std::invalid_argument("movedim: repeated dim in `destination` (" + shape_str(destination) + ")");
    src_used[s] = dst_used[d] = true;
    perm[d] = static_cast<std::int64_t>(s);
  }
  // The other dimensions keep their order in the free places.
  std::size_t next = 0;
  for (std::size_t d = 0; d < nd; ++d) {
    if (perm[d] != -1) continue;
    while (src_used[next]) ++next;
    perm[d] = static_cast<std::int64_t>(next++);
  }
  return permute(x, perm);
}
Tensor movedim(const Tensor& x, std::int64_t source, std::int64_t destination) {
  return movedim(x, std::vector<std::int64_t>{source}, std::vector<std::int64_t>{destination});
}

// PyTorch's inferExpandGeometry: a size-1 dimension (or a new leading one) repeats with stride 0.
Tensor expand(const Tensor& x, const Shape& shape) {
  check_defined("expand", x);
  const auto nd = static_cast<std::int64_t>(shape.size());
  if (nd < x.dim())
    throw std::invalid_argument("expand(" + std::string(dtype_name(x.dtype())) + "{" + shape_str(x.shape()) +
                                "}, size=" + shape_str(shape) +
                                "): the number of sizes provided (" + std::to_string(nd) +
                                ") must be greater or equal to the number of dimensions in the tensor (" +
                                std::to_string(x.dim()) + ")");
  const Strides own = x.strides();
  Shape sizes(static_cast<std::size_t>(nd));
  Strides strides(static_cast<std::size_t>(nd));
  for (std::int64_t i = nd - 1; i >= 0; --i) {
    const std::int64_t d = x.dim() - nd + i;  // the input's dimension, or < 0 for a new leading one
    std::int64_t size = d >= 0 ? x.shape()[d] : 1;
    std::int64_t stride = d >= 0 ? own[d] : (i + 1 < nd ? sizes[i + 1] * strides[i + 1] : 1);
    std::int64_t target = shape[i];
    if (target == -1) {
      if (d < 0) throw std::invalid_argument("The expanded size of the tensor (-1) isn't allowed in a leading, non-existing dimension " + std::to_string(i));
      target = size;
    }
    if (target < 0) throw std::invalid_argument("Trying to create tensor with negative dimension " + std::to_string(target) + ": " + shape_str(shape));
    if (size != target) {
      if (size != 1)
        throw std::invalid_argument("The expanded size of the tensor (" + std::to_string(target) +
                                    ") must match the existing size (" + std::to_string(size) +
                                    ") at non-singleton dimension " + std::to_string(i) + ".  Target sizes: " +
                                    shape_str(shape) + ".  Tensor sizes: " + shape_str(x.shape()));
      size = target;
      stride = 0;
    }
    sizes[i] = size;
    strides[i] = stride;
  }
  Tensor y = make_view(x, sizes, strides, x.storage_offset());
  return rearranging_view(Op::expand, x, y, [from = x.shape()](const Tensor& g) { return sum_to(g, from); });
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  check_defined("broadcast_to", x);
  for (auto s : shape)
    if (s < 0) throw std::invalid_argument("broadcast_to: negative size in " + shape_str(shape));
  if (!is_expandable_to(x.shape(), shape))
    throw std::invalid_argument("broadcast_to: the shape " + shape_str(x.shape()) + " cannot be broadcast to " + shape_str(shape));
  return expand(x, shape);
}

Tensor expand_as(const Tensor& x, const Tensor& other) { return expand(x, other.shape()); }

// ---- picking views ----

Tensor as_strided(const Tensor& x, const Shape& size, const Strides& stride, std::optional<std::int64_t> storage_offset) {
  check_defined("as_strided", x);
  if (size.size() != stride.size())
    throw std::invalid_argument("mismatch in length of strides and shape (" + shape_str(size) + " and " + shape_str(stride) + ")");
  for (auto s : stride)
    if (s < 0) throw std::invalid_argument("as_strided: Negative strides are not supported at the moment, got strides: " + shape_str(stride));
  shape_numel(size);  // checks the sizes
  const std::int64_t offset = storage_offset.value_or(x.storage_offset());
  if (offset < 0) throw std::invalid_argument("Tensor: invalid storage offset " + std::to_string(offset));
  const auto elements = static_cast<std::int64_t>(x.impl()->storage->nbytes / element_size(x.dtype()));
  const std::int64_t needed = detail::storage_extent(size, stride, offset);
  if (needed > elements)
    throw std::invalid_argument("setStorage: sizes " + shape_str(size) + ", strides " + shape_str(stride) +
                                ", storage offset " + std::to_string(offset) + ", and itemsize " +
                                std::to_string(element_size(x.dtype())) + " requiring a storage size of " +
                                std::to_string(needed * static_cast<std::int64_t>(element_size(x.dtype()))) +
                                " are out of bounds for storage of size " + std::to_string(x.impl()->storage->nbytes));
  if (!autograd::needs_grad({x})) return make_view(x, size, stride, offset);
  // Differentiable when the result stays within the input's own elements, the input laid out
  // row-major: its backward applies the same geometry, relative to the first element, to a row-major
  // gradient.
  const std::int64_t base = x.storage_offset();
  if (!x.is_contiguous() || offset < base || needed > base + x.numel())
    throw std::invalid_argument("as_strided: differentiating a view that reaches outside its input's elements, or of a "
                                "non-contiguous input, is not supported; call contiguous() first");
  return picking_view(Op::as_strided, x, [size, stride, rel = offset - base](const Tensor& t) {
    return make_view(t, size, stride, t.storage_offset() + rel);
  }, /*row_major_input=*/true);
}

Tensor narrow(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  check_defined("narrow", x);
  checked_size(x, "narrow");
  dim = wrap_dim(dim, x.dim());
  const std::int64_t size = x.shape()[dim];
  if (start < -size || start > size)
    throw std::out_of_range("start out of range (expected to be in range of [" + std::to_string(-size) + ", " +
                            std::to_string(size) + "], but got " + std::to_string(start) + ")");
  if (start < 0) start += size;
  if (length < 0) throw std::invalid_argument("narrow(): length must be non-negative.");
  if (start + length > size)
    throw std::invalid_argument("start (" + std::to_string(start) + ") + length (" + std::to_string(length) +
                                ") exceeds dimension size (" + std::to_string(size) + ").");
  return slice(x, dim, start, start + length, 1);
}

Tensor slice(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step) {
  check_defined("slice", x);
  checked_size(x, "slice");
  if (step <= 0) throw std::invalid_argument("slice step must be positive");
  dim = wrap_dim(dim, x.dim());
  const std::int64_t size = x.shape()[dim];
  auto clamp_index = [size](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + size : i, 0, size); };
  start = clamp_index(start);
  end = std::max(clamp_index(end), start);
  return picking_view(Op::slice, x, [dim, start, end, step](const Tensor& t) {
    Shape sizes = t.shape();
    Strides strides = t.strides();
    sizes[dim] = (end - start + step - 1) / step;
    const std::int64_t offset = t.storage_offset() + start * strides[dim];
    strides[dim] *= step;
    return make_view(t, sizes, strides, offset);
  });
}

Tensor select(const Tensor& x, std::int64_t dim, std::int64_t index) {
  check_defined("select", x);
  checked_size(x, "select");
  dim = wrap_dim(dim, x.dim());
  const std::int64_t size = x.shape()[dim];
  if (index < -size || index >= size)
    throw std::out_of_range("select(): index " + std::to_string(index) + " out of range for tensor of size " +
                            shape_str(x.shape()) + " at dimension " + std::to_string(dim));
  if (index < 0) index += size;
  return picking_view(Op::select, x, [dim, index](const Tensor& t) {
    Shape sizes = t.shape();
    Strides strides = t.strides();
    const std::int64_t offset = t.storage_offset() + index * strides[dim];
    sizes.erase(sizes.begin() + dim);
    strides.erase(strides.begin() + dim);
    return make_view(t, sizes, strides, offset);
  });
}

Tensor diagonal(const Tensor& x, std::int64_t offset, std::int64_t dim1, std::int64_t dim2) {
  check_defined("diagonal", x);
  if (x.dim() < 2) throw std::invalid_argument("diagonal dimensions requires ndim larger than 1, got " + std::to_string(x.dim()));
  dim1 = wrap_dim(dim1, x.dim());
  dim2 = wrap_dim(dim2, x.dim());
  if (dim1 == dim2)
    throw std::invalid_argument("diagonal dimensions cannot be identical " + std::to_string(dim1) + ", " + std::to_string(dim2));
  return picking_view(Op::diagonal, x, [offset, dim1, dim2](const Tensor& t) {
    const std::int64_t n1 = t.shape()[dim1], n2 = t.shape()[dim2];
    const Strides own = t.strides();
    const std::int64_t len = std::max<std::int64_t>(offset >= 0 ? std::min(n1, n2 - offset) : std::min(n1 + offset, n2), 0);
    std::int64_t start = t.storage_offset();
    // An empty diagonal keeps the input's offset (PyTorch: no offset "off the end").
    if (len > 0) start += offset >= 0 ? offset * own[dim2] : -offset * own[dim1];
    Shape sizes;
    Strides strides;
    for (std::int64_t d = 0; d < t.dim(); ++d)
      if (d != dim1 && d != dim2) sizes.push_back(t.shape()[d]), strides.push_back(own[d]);
    sizes.push_back(len);
    strides.push_back(own[dim1] + own[dim2]);
    return make_view(t, sizes, strides, start);
  });
}

Tensor unfold(const Tensor& x, std::int64_t dim, std::int64_t size, std::int64_t step) {
  check_defined("unfold", x);
  dim = wrap_dim(dim, x.dim());
  const std::int64_t length = x.dim() == 0 ? 1 : x.shape()[dim];
  if (size > length)
    throw std::invalid_argument("maximum size for tensor at dimension " + std::to_string(dim) + " is " +
                                std::to_string(length) + " but size is " + std::to_string(size));
  if (size < 0) throw std::invalid_argument("size is " + std::to_string(size) + " but must be >= 0");
  if (step <= 0) throw std::invalid_argument("step is " + std::to_string(step) + " but must be > 0");
  return picking_view(Op::unfold, x, [dim, size, step](const Tensor& t) {
    Shape sizes = t.shape();
    Strides strides = t.strides();
    if (t.dim() == 0) return make_view(t, {size}, {1}, t.storage_offset());
    const std::int64_t stride = strides[dim];
    sizes[dim] = (sizes[dim] - size) / step + 1;
    strides[dim] = stride * step;
    sizes.push_back(size);
    strides.push_back(stride);
    return make_view(t, sizes, strides, t.storage_offset());
  });
}

// ---- several views at once: one entry each ----

namespace {

Dtype first_defined_dtype(const std::vector<Tensor>& grads) {
  for (const auto& g : grads)
    if (g.defined()) return g.dtype();
  return kFloat32;
}

// The pieces of x along dim with the given sizes, recorded as one entry whose backward concatenates
// their gradients (zeros for a piece no gradient reached).
std::vector<Tensor> split_pieces(Op op, const Tensor& x, std::int64_t dim, const std::vector<std::int64_t>& sizes) {
  std::vector<Tensor> pieces;
  const Strides strides = x.strides();
  std::int64_t start = 0;
  for (auto s : sizes) {
    Shape piece = x.shape();
    piece[static_cast<std::size_t>(dim)] = s;
    pieces.push_back(make_view(x, piece, strides, x.storage_offset() + start * strides[static_cast<std::size_t>(dim)]));
    start += s;
  }
  pieces = autograd::record_multi(op, autograd::DimAttributes{dim}, {x}, pieces, [dim, shape = x.shape(), sizes](const std::vector<Tensor>& grads) {
    std::vector<Tensor> parts;
    for (std::size_t i = 0; i < grads.size(); ++i) {
      if (grads[i].defined()) { parts.push_back(grads[i]); continue; }
      Shape piece = shape;
      piece[static_cast<std::size_t>(dim)] = sizes[i];
      parts.push_back(zeros(piece, first_defined_dtype(grads)));
    }
    return Grads{cat(parts, dim)};
  });
  for (auto& p : pieces) p.impl()->multi_output_view_of = autograd::op_name(op);
  return pieces;
}

}  // namespace

std::vector<Tensor> split_with_sizes(const Tensor& x, const std::vector<std::int64_t>& split_sizes, std::int64_t dim) {
  check_defined("split_with_sizes", x);
  checked_size(x, "split_with_sizes");
  dim = wrap_dim(dim, x.dim());
  std::int64_t total = 0;
  for (auto s : split_sizes) {
    if (s < 0)
      throw std::invalid_argument("split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=" +
                                  shape_str(split_sizes));
    total += s;
  }
  if (total != x.size(dim))
    throw std::invalid_argument("split_with_sizes expects split_sizes to sum exactly to " + std::to_string(x.size(dim)) +
                                " (input tensor's size at dimension " + std::to_string(dim) +
                                "), but got split_sizes=" + shape_str(split_sizes));
  return split_pieces(Op::split, x, dim, split_sizes);
}

std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& split_sizes, std::int64_t dim) {
  return split_with_sizes(x, split_sizes, dim);
}

std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
  check_defined("split", x);
  checked_size(x, "split");
  dim = wrap_dim(dim, x.dim());
  if (split_size < 0) throw std::invalid_argument("split expects split_size be non-negative, but got split_size=" + std::to_string(split_size));
  const std::int64_t size = x.size(dim);
  if (split_size == 0 && size != 0)
    throw std::invalid_argument("split_size can only be 0 if dimension size is 0, but got dimension size of " + std::to_string(size));
  // At least one piece: a split_size beyond the size gives the whole tensor, a size of 0 one empty piece.
  const std::int64_t count = split_size == 0 ? 1 : std::max<std::int64_t>((size + split_size - 1) / split_size, 1);
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(count), split_size);
  sizes.back() = split_size - (split_size * count - size);
  return split_pieces(Op::split, x, dim, sizes);
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  check_defined("chunk", x);
  checked_size(x, "chunk");
  if (chunks <= 0) throw std::invalid_argument("chunk expects `chunks` to be greater than 0, got: " + std::to_string(chunks));
  dim = wrap_dim(dim, x.dim());
  const std::int64_t size = x.size(dim);
  const std::int64_t split_size = (size + chunks - 1) / chunks;
  // PyTorch: an empty dimension gives `chunks` empty pieces (split would give one).
  if (split_size == 0 && size == 0) return split_with_sizes(x, std::vector<std::int64_t>(static_cast<std::size_t>(chunks), 0), dim);
  return split(x, split_size, dim);
}

std::vector<Tensor> unbind(const Tensor& x, std::int64_t dim) {
  check_defined("unbind", x);
  if (x.dim() == 0) throw std::invalid_argument("Dimension specified as 0 but tensor has no dimensions");
  dim = wrap_dim(dim, x.dim());
  Shape piece = x.shape();
  Strides piece_strides = x.strides();
  const std::int64_t step = piece_strides[static_cast<std::size_t>(dim)];
  piece.erase(piece.begin() + dim);
  piece_strides.erase(piece_strides.begin() + dim);
  std::vector<Tensor> pieces;
  for (std::int64_t i = 0; i < x.shape()[dim]; ++i)
    pieces.push_back(make_view(x, piece, piece_strides, x.storage_offset() + i * step));
  pieces = autograd::record_multi(Op::unbind, autograd::DimAttributes{dim}, {x}, pieces, [dim, piece](const std::vector<Tensor>& grads) {
    const Dtype dtype = first_defined_dtype(grads);
    std::vector<Tensor> parts;
    for (const auto& g : grads) parts.push_back(g.defined() ? g : zeros(piece, dtype));
    return Grads{stack(parts, dim)};
  });
  for (auto& p : pieces) p.impl()->multi_output_view_of = "unbind";
  return pieces;
}

}  // namespace tapegrad
