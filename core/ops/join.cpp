// Joining: cat (its backward narrows), stack, and constant pad (its backward is pad with the amounts
// negated, i.e. a crop).
#include <algorithm>
#include <stdexcept>
#include <string>

#include "common.hpp"

namespace tapegrad {

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw std::invalid_argument("torch.cat(): expected a non-empty list of Tensors");
  // Mixed dtypes concatenate in the type they promote to, as PyTorch's cat: each input is cast first
  // (differentiably, so a gradient flows back in its own dtype).
  Dtype common = tensors[0].dtype();
  for (const Tensor& t : tensors) common = promote_types(common, t.dtype());
  if (std::any_of(tensors.begin(), tensors.end(), [&](const Tensor& t) { return t.dtype() != common; })) {
    std::vector<Tensor> cast;
    for (const Tensor& t : tensors) cast.push_back(t.to(common));
    return cat(cast, dim);
  }
  // PyTorch's legacy rule: a 1-D empty tensor joins anything (it is skipped, and its gradient is empty).
  const auto skipped = [](const Tensor& t) { return t.shape() == Shape{0}; };
  for (std::size_t i = 0; i < tensors.size(); ++i)
    if (tensors[i].dim() == 0)
      throw std::invalid_argument("zero-dimensional tensor (at position " + std::to_string(i) + ") cannot be concatenated");
  const auto reference = std::find_if(tensors.begin(), tensors.end(), [&](const Tensor& t) { return !skipped(t); });
  const Tensor& first = reference == tensors.end() ? tensors[0] : *reference;
  dim = wrap_dim(dim, first.dim());
  Shape out_shape = first.shape();
  out_shape[dim] = 0;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (skipped(t)) continue;
    if (t.dim() != first.dim())
      throw std::invalid_argument("Tensors must have same number of dimensions: got " + std::to_string(first.dim()) + " and " +
                                  std::to_string(t.dim()));
    for (std::int64_t d = 0; d < t.dim(); ++d)
      if (d != dim && t.shape()[d] != first.shape()[d])
        throw std::invalid_argument("Sizes of tensors must match except in dimension " + std::to_string(dim) + ". Expected size " +
                                    std::to_string(first.shape()[d]) + " but got size " + std::to_string(t.shape()[d]) +
                                    " for tensor number " + std::to_string(i) + " in the list.");
    out_shape[dim] += t.shape()[dim];
  }
  Tensor y = empty(out_shape, first.dtype());
  const detail::Lines out = detail::Lines::around(out_shape, dim);
  std::vector<std::int64_t> starts, sizes;  // per input: its slab in the output (size 0 when skipped)
  std::vector<bool> skips;
  dispatch(first.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* py = y.data<T>();
    std::int64_t at = 0;  // where this tensor's slab starts inside each output line
    for (const Tensor& t : tensors) {
      starts.push_back(at);
      skips.push_back(skipped(t));
      sizes.push_back(skips.back() ? 0 : t.shape()[dim]);
      if (skips.back()) continue;
      const std::int64_t block = t.shape()[dim] * out.inner;
      const Tensor tc = t.expect_contiguous();
      const T* pt = tc.data<T>();
      for (std::int64_t o = 0; o < out.outer; ++o) std::copy_n(pt + o * block, block, py + o * out.len * out.inner + at * out.inner);
      at += t.shape()[dim];
    }
  });
  return record(Op::cat, autograd::DimAttributes{dim}, tensors, y, [dim, starts, sizes, skips](const Tensor& g) {
    Grads grads;
    // A skipped input's gradient is an empty slice of g: shape [0], and on the tape under create_graph.
    for (std::size_t i = 0; i < starts.size(); ++i)
      grads.push_back(skips[i] ? narrow(g.reshape({-1}), 0, 0, 0) : narrow(g, dim, starts[i], sizes[i]));
    return grads;
  });
}

Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw std::invalid_argument("stack expects a non-empty TensorList");
  dim = wrap_dim(dim, tensors[0].dim() + 1);
  std::vector<Tensor> parts;
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].shape() != tensors[0].shape())
      throw std::invalid_argument("stack expects each tensor to be equal size, but got " + shape_str(tensors[0].shape()) +
                                  " at entry 0 and " + shape_str(tensors[i].shape()) + " at entry " + std::to_string(i));
    parts.push_back(unsqueeze(tensors[i], dim));
  }
  return cat(parts, dim);
}

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, double value) {
  if (pads.size() % 2 != 0) throw std::invalid_argument("Padding length must be divisible by 2");
  if (static_cast<std::int64_t>(pads.size()) / 2 > x.dim()) throw std::invalid_argument("Padding length too large");
  const auto nd = static_cast<std::size_t>(x.dim());
  std::vector<std::int64_t> before(nd, 0);
  Shape out_shape = x.shape();
  for (std::size_t i = 0; i < pads.size() / 2; ++i) {
    const std::size_t d = nd - 1 - i;
    before[d] = pads[2 * i];
    out_shape[d] += pads[2 * i] + pads[2 * i + 1];
    if (out_shape[d] < 0)
      throw std::invalid_argument("The input size " + std::to_string(x.shape()[d]) + ", plus negative padding " +
                                  std::to_string(pads[2 * i]) + " and " + std::to_string(pads[2 * i + 1]) +
                                  " resulted in a negative output size, which is invalid. Check dimension " +
                                  std::to_string(d) + " of your input.");
  }
  Tensor y = full(out_shape, value, x.dtype());
  // The region both share: input [lo_in, lo_in + len) maps to output [lo_in + before, ...).
  Shape region(nd);
  std::int64_t x_base = 0, y_base = 0;
  const detail::Strides xs = detail::contiguous_strides(x.shape()), ys = detail::contiguous_strides(out_shape);
  for (std::size_t d = 0; d < nd; ++d) {
    const std::int64_t lo = std::max<std::int64_t>(0, -before[d]);
    const std::int64_t hi = std::min(x.shape()[d], out_shape[d] - before[d]);
    region[d] = std::max<std::int64_t>(hi - lo, 0);
    x_base += lo * xs[d];
    y_base += (lo + before[d]) * ys[d];
  }
  const Tensor xc = x.expect_contiguous();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>() + x_base;
    T* py = y.data<T>() + y_base;
    detail::for_each_offset<2>(region, {xs, ys}, [&](const auto& o) { py[o[1]] = px[o[0]]; });
  });
  return record(Op::pad, autograd::PadAttributes{pads, value}, {x}, y, [pads](const Tensor& g) {
    std::vector<std::int64_t> crop(pads.size());
    std::transform(pads.begin(), pads.end(), crop.begin(), [](std::int64_t p) { return -p; });
    return Grads{pad(g, crop, 0.0)};
  });
}

}  // namespace tapegrad
