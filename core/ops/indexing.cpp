// torch::indexing: index() is a view for integers, slices, None and Ellipsis (select, slice, unsqueeze),
// and an index_select (a copy) for a tensor index. index_put_ writes through the view, or, with a tensor
// index, through the element offsets that index() selects from an arange laid out like the target.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "../indexing.hpp"
#include "common.hpp"

namespace tapegrad {

using namespace indexing;

namespace {

Tensor positions_tensor(const std::vector<std::int64_t>& v) {
  return from_vector(v, {static_cast<std::int64_t>(v.size())});
}

}  // namespace

Tensor index(const Tensor& x, const std::vector<TensorIndex>& indices) {
  std::int64_t named = 0, tensors = 0, ellipses = 0;
  for (const auto& i : indices) {
    const auto& v = i.value();
    if (std::holds_alternative<std::int64_t>(v) || std::holds_alternative<Slice>(v)) ++named;
    if (std::holds_alternative<Tensor>(v)) ++named, ++tensors;
    if (std::holds_alternative<EllipsisIndex>(v)) ++ellipses;
  }
  if (named > x.dim())
    throw std::out_of_range("too many indices for tensor of dimension " + std::to_string(x.dim()));
  if (ellipses > 1) throw std::invalid_argument("an index can only have a single ellipsis ('...')");
  if (tensors > 1) throw std::invalid_argument("index: tapegrad supports one tensor index per call");
  Tensor y = x;
  std::int64_t dim = 0;  // the dim of y the next index applies to
  for (const auto& i : indices) {
    const auto& v = i.value();
    if (const auto* k = std::get_if<std::int64_t>(&v)) {
      const std::int64_t size = y.size(dim);
      if (*k < -size || *k >= size)
        throw std::out_of_range("index " + std::to_string(*k) + " is out of bounds for dimension " + std::to_string(dim) +
                                " with size " + std::to_string(size));
      y = select(y, dim, *k);
    } else if (const auto* s = std::get_if<Slice>(&v)) {
      const std::int64_t step = s->step.value_or(1);
      if (step <= 0) throw std::invalid_argument("step must be greater than zero");
      y = slice(y, dim, s->start.value_or(0), s->stop.value_or(INT64_MAX), step);
      ++dim;
    } else if (const auto* t = std::get_if<Tensor>(&v)) {
      if (t->dtype() != kInt64)
        throw std::invalid_argument(std::string("index: tensors used as indices must be int64, but got ") + dtype_name(t->dtype()));
      const std::int64_t size = y.size(dim);
      std::vector<std::int64_t> pos = to_vector<std::int64_t>(*t);
      for (auto& p : pos) {
        if (p < -size || p >= size)
          throw std::out_of_range("index " + std::to_string(p) + " is out of bounds for dimension " + std::to_string(dim) +
                                  " with size " + std::to_string(size));
        if (p < 0) p += size;
      }
      Shape s(y.shape().begin(), y.shape().begin() + dim);
      s.insert(s.end(), t->shape().begin(), t->shape().end());
      s.insert(s.end(), y.shape().begin() + dim + 1, y.shape().end());
      y = reshape(index_select(y, dim, positions_tensor(pos)), s);
      dim += t->dim();
    } else if (std::holds_alternative<NoneIndex>(v)) {
      y = unsqueeze(y, dim);
      ++dim;
    } else {
      dim += x.dim() - named;
    }
  }
  return y;
}

Tensor& index_put_(Tensor& x, const std::vector<TensorIndex>& indices, const Tensor& values) {
  check_same_dtype("index_put_", x, values, "self and values");
  const bool has_tensor = std::any_of(indices.begin(), indices.end(),
                                      [](const TensorIndex& i) { return std::holds_alternative<Tensor>(i.value()); });
  if (!has_tensor) {  // a view of x: copy_ writes through it (and checks broadcasting and overlap)
    Tensor target;
    {
      NoGradGuard no_grad;
      target = index(x.detach(), indices);
    }
    x.begin_inplace("index_put_");  // the grad-mode checks apply to x, not to its detached view
    NoGradGuard no_grad;
    target.copy_(values);
    return x;
  }
  // The storage offset of every indexed element: index() applied to x's own offsets.
  Tensor offsets;
  {
    NoGradGuard no_grad;
    offsets = index(detail::element_offsets(x), indices).contiguous();
  }
  const Tensor v = broadcast_to(values.detach(), offsets.shape()).contiguous();  // PyTorch's message when it does not fit
  x.begin_inplace("index_put_");
  const std::int64_t* po = offsets.data<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* px = x.data_ptr<T>();
    const T* pv = v.data<T>();
    for (std::int64_t i = 0, n = offsets.numel(); i < n; ++i) px[po[i]] = pv[i];
  });
  return x;
}

Tensor& index_put_(Tensor& x, const std::vector<TensorIndex>& indices, double value) {
  return index_put_(x, indices, full({}, value, x.dtype()));
}

Tensor Tensor::index(const std::vector<TensorIndex>& indices) const { return tapegrad::index(*this, indices); }
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, const Tensor& values) {
  return tapegrad::index_put_(*this, indices, values);
}
Tensor& Tensor::index_put_(const std::vector<TensorIndex>& indices, double value) {
  return tapegrad::index_put_(*this, indices, value);
}

}  // namespace tapegrad
