// torch::indexing: index() composed of index_select and reshape; index_put_ writes through the flat
// positions that index() selects from an arange.
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

// Python's slice rules (steps > 0): start and stop clamped into [0, size].
std::vector<std::int64_t> slice_positions(const Slice& s, std::int64_t size) {
  const std::int64_t step = s.step.value_or(1);
  if (step <= 0) throw std::invalid_argument("step must be greater than zero");
  auto clip = [size](std::int64_t v) { return v < 0 ? std::max<std::int64_t>(v + size, 0) : std::min(v, size); };
  const std::int64_t start = s.start ? clip(*s.start) : 0, stop = s.stop ? clip(*s.stop) : size;
  std::vector<std::int64_t> out;
  for (std::int64_t i = start; i < stop; i += step) out.push_back(i);
  return out;
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
      Shape s = y.shape();
      s.erase(s.begin() + dim);
      y = reshape(index_select(y, dim, positions_tensor({*k < 0 ? *k + size : *k})), s);
    } else if (const auto* s = std::get_if<Slice>(&v)) {
      const auto pos = slice_positions(*s, y.size(dim));
      if (static_cast<std::int64_t>(pos.size()) != y.size(dim)) y = index_select(y, dim, positions_tensor(pos));
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
  Tensor positions;
  {
    NoGradGuard no_grad;
    positions = index(arange(static_cast<double>(x.numel())).reshape(x.shape()), indices);
  }
  const Tensor v = broadcast_to(values.detach(), positions.shape());  // PyTorch's message when it does not fit
  x.begin_inplace("index_put_");
  const std::int64_t* pp = positions.data<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* px = x.data<T>();
    const T* pv = v.data<T>();
    for (std::int64_t i = 0, n = positions.numel(); i < n; ++i) px[pp[i]] = pv[i];
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
