// Copying between layouts: the one strided copy kernel (dtype conversion included), and the ops built
// on it: contiguous(), clone (PyTorch's preserve_format), to_dtype, copy_, fill_, empty_strided.
#include <cstring>
#include <stdexcept>

#include "common.hpp"

namespace tapegrad {

namespace detail {

// Bytes of storage a layout reaches, from offset 0: 1 + the largest element offset (0 when empty).
std::int64_t storage_extent(const Shape& sizes, const Strides& strides, std::int64_t offset) {
  std::int64_t last = offset;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) return 0;
    last += (sizes[i] - 1) * strides[i];
  }
  return last + 1;
}

void copy_elements(const Tensor& dst, const Tensor& src) {
  // src broadcasts to dst's shape (checked by the callers).
  if (dst.numel() == 0) return;
  const bool same_layout = src.shape() == dst.shape() && src.strides() == dst.strides();
  if (dst.dtype() == src.dtype() && same_layout && dst.is_non_overlapping_and_dense()) {
    // Both cover their span the same way: one memmove (memmove: the spans may be one and the same).
    std::memmove(dst.data_ptr(), src.data_ptr(), static_cast<std::size_t>(dst.numel()) * element_size(dst.dtype()));
    return;
  }
  dispatch(dst.dtype(), [&](auto dst_tag) {
    using D = decltype(dst_tag);
    D* d = dst.data_ptr<D>();
    dispatch(src.dtype(), [&](auto src_tag) {
      using S = decltype(src_tag);
      const S* s = src.data_ptr<S>();
      for_each_offset<2>(dst.shape(), {dst.strides(), broadcast_strides(src, dst.shape())},
                         [&](const auto& o) { d[o[0]] = static_cast<D>(s[o[1]]); });
    });
  });
}

Tensor element_offsets(const Tensor& x) {
  Tensor out = empty(x.shape(), kInt64);
  std::int64_t* p = out.data<std::int64_t>();
  std::int64_t e = 0;
  for_each_offset<1>(x.shape(), {x.strides()}, [&](const auto& o) { p[e++] = o[0]; });
  return out;
}

}  // namespace detail

namespace {

// PyTorch's check before copy_: a source that shares memory with the destination in part (not as the
// very same elements) would be read after being overwritten.
void check_no_partial_overlap(const Tensor& dst, const Tensor& src) {
  if (dst.impl()->storage != src.impl()->storage || dst.numel() == 0 || src.numel() == 0) return;
  if (src.shape() == dst.shape() && src.strides() == dst.strides() && src.storage_offset() == dst.storage_offset()) return;
  const auto span = [](const Tensor& t) {
    std::int64_t lo = t.storage_offset(), hi = t.storage_offset();
    const Strides s = t.strides();
    for (std::size_t i = 0; i < s.size(); ++i) (s[i] < 0 ? lo : hi) += (t.shape()[i] - 1) * s[i];
    return std::pair{lo, hi};
  };
  const auto [dlo, dhi] = span(dst);
  const auto [slo, shi] = span(src);
  if (dhi < slo || shi < dlo) return;
  throw std::invalid_argument(
      "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single memory "
      "location. Please clone() the tensor before performing the operation.");
}

}  // namespace

Tensor contiguous(const Tensor& x) {
  check_defined("contiguous", x);
  if (x.is_contiguous()) return x;
  Tensor y = empty(x.shape(), x.dtype());
  detail::copy_elements(y, x);
  return record(Op::clone, {x}, y, [](const Tensor& g) { return Grads{g}; });
}
Tensor Tensor::contiguous() const { return tapegrad::contiguous(*this); }

Tensor empty_strided(const Shape& sizes, const Strides& strides, TensorOptions options) {
  if (sizes.size() != strides.size())
    throw std::invalid_argument("empty_strided: mismatch in length of strides and shape (" + shape_str(sizes) + " and " +
                                shape_str(strides) + ")");
  for (auto s : strides)
    if (s < 0) throw std::invalid_argument("empty_strided: negative strides are not supported, got " + shape_str(strides));
  shape_numel(sizes);  // checks the sizes
  const bool rg = options.requires_grad();
  Tensor t = empty({detail::storage_extent(sizes, strides, 0)}, options.requires_grad(false));
  t.impl()->set_layout(sizes, strides, 0);
  if (rg) t.requires_grad_(true);
  return t;
}

// torch.clone keeps the layout of a tensor that covers its span densely (a transposed tensor stays
// transposed) and makes the others row-major, as PyTorch's preserve_format.
Tensor clone(const Tensor& x) {
  check_defined("clone", x);
  Tensor y = x.is_non_overlapping_and_dense() ? empty_strided(x.shape(), x.strides(), x.dtype()) : empty(x.shape(), x.dtype());
  detail::copy_elements(y, x);
  return record(Op::clone, {x}, y, [](const Tensor& g) { return Grads{g}; });
}

Tensor to_dtype(const Tensor& x, Dtype dtype) {
  check_defined("to", x);
  if (x.dtype() == dtype) return x;
  Tensor y = empty(x.shape(), dtype);
  detail::copy_elements(y, x);
  if (!is_floating_point(dtype)) return y;  // integer results carry no gradient
  return record(Op::to, autograd::DtypeAttributes{x.dtype(), dtype}, {x}, y, [from = x.dtype()](const Tensor& g) { return Grads{g.to(from)}; });
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_defined("copy_", src);
  if (!is_expandable_to(src.shape(), shape()))
    throw std::invalid_argument("copy_: source shape " + shape_str(src.shape()) + " does not match destination " +
                                shape_str(shape()) + " (nor broadcast to it)");
  check_no_partial_overlap(*this, src);
  begin_inplace("copy_");
  detail::copy_elements(*this, src);
  return *this;
}

Tensor& Tensor::fill_(const Scalar& value) {
  begin_inplace("fill_", /*allow_overlap=*/true);
  dispatch(dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = value.to<T>();
    T* p = data_ptr<T>();
    if (is_contiguous()) {
      for (std::int64_t i = 0, n = numel(); i < n; ++i) p[i] = v;
    } else {
      detail::for_each_offset<1>(shape(), {strides()}, [&](const auto& o) { p[o[0]] = v; });
    }
  });
  return *this;
}

}  // namespace tapegrad
