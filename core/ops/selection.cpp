// Picking, repeating and ordering: split, chunk, expand, repeat, flip, masked_fill, min/argmin,
// sort/argsort, topk, one_hot, all/any. The differentiable ones are composed of index_select, gather,
// broadcast_to, where and max, so they need no backward of their own.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "common.hpp"

namespace tapegrad {

namespace {
// x restricted to [start, start + length) along dim.
Tensor range_along(const Tensor& x, std::int64_t dim, std::int64_t start, std::int64_t length) {
  return index_select(x, dim, arange(static_cast<double>(start), static_cast<double>(start + length)));
}
}  // namespace

std::vector<Tensor> split(const Tensor& x, std::int64_t split_size, std::int64_t dim) {
  dim = wrap_dim(dim, x.dim());
  if (split_size < 0) throw std::invalid_argument("split expects split_size be non-negative, but got split_size=" + std::to_string(split_size));
  const std::int64_t size = x.size(dim);
  if (split_size == 0 && size != 0)
    throw std::invalid_argument("split_size can only be 0 if dimension size is 0, but got dimension size of " + std::to_string(size));
  std::vector<Tensor> out;
  if (size == 0) return {x};
  for (std::int64_t start = 0; start < size; start += split_size)
    out.push_back(range_along(x, dim, start, std::min(split_size, size - start)));
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t chunks, std::int64_t dim) {
  if (chunks <= 0) throw std::invalid_argument("chunk expects `chunks` to be greater than 0, got: " + std::to_string(chunks));
  dim = wrap_dim(dim, x.dim());
  const std::int64_t size = x.size(dim);
  return split(x, std::max<std::int64_t>((size + chunks - 1) / chunks, 1), dim);
}

Tensor expand(const Tensor& x, const Shape& shape) {
  if (static_cast<std::int64_t>(shape.size()) < x.dim())
    throw std::invalid_argument("expand: the number of sizes provided (" + std::to_string(shape.size()) +
                                ") must be greater or equal to the number of dimensions in the tensor (" + std::to_string(x.dim()) + ")");
  Shape target = shape;
  const std::size_t lead = shape.size() - static_cast<std::size_t>(x.dim());
  for (std::size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == -1) {
      if (i < lead) throw std::invalid_argument("expand: -1 is not allowed in a leading, non-existing dimension");
      target[i] = x.shape()[i - lead];
    }
  return broadcast_to(x, target);
}

Tensor repeat(const Tensor& x, const std::vector<std::int64_t>& repeats) {
  if (static_cast<std::int64_t>(repeats.size()) < x.dim())
    throw std::invalid_argument("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  // x viewed as (1, s0, 1, s1, ...), broadcast to (r0, s0, r1, s1, ...), then merged pairwise.
  const std::size_t lead = repeats.size() - static_cast<std::size_t>(x.dim());
  Shape paired, expanded, out;
  for (std::size_t i = 0; i < repeats.size(); ++i) {
    if (repeats[i] < 0) throw std::invalid_argument("Trying to create tensor with negative dimension " + std::to_string(repeats[i]));
    const std::int64_t s = i < lead ? 1 : x.shape()[i - lead];
    paired.insert(paired.end(), {1, s});
    expanded.insert(expanded.end(), {repeats[i], s});
    out.push_back(repeats[i] * s);
  }
  return reshape(broadcast_to(reshape(x, paired), expanded), out);
}

Tensor flip(const Tensor& x, const std::vector<std::int64_t>& dims) {
  Tensor y = x;
  std::vector<bool> seen(static_cast<std::size_t>(std::max<std::int64_t>(x.dim(), 1)), false);
  for (auto d : dims) {
    d = wrap_dim(d, x.dim());
    if (seen[static_cast<std::size_t>(d)]) throw std::invalid_argument("dims has duplicates, original flip dims size=" + std::to_string(dims.size()));
    seen[static_cast<std::size_t>(d)] = true;
    if (x.dim() == 0) continue;
    const auto n = static_cast<double>(x.size(d));
    y = index_select(y, d, arange(n - 1, -1, -1));
  }
  return y;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  if (broadcast_shapes(x.shape(), mask.shape()) != x.shape())
    throw std::invalid_argument("masked_fill: the mask of shape " + shape_str(mask.shape()) +
                                " must broadcast to the input's shape " + shape_str(x.shape()));
  return where(mask, full({}, value, x.dtype()), x);
}

std::pair<Tensor, Tensor> min(const Tensor& x, std::int64_t dim, bool keepdim) {
  // The first minimal element is the first maximal one of -x (NaN still wins, as PyTorch).
  auto [values, indices] = max(neg(x), dim, keepdim);
  return {neg(values), indices};
}
Tensor min(const Tensor& x) { return neg(max(neg(x))); }
Tensor argmin(const Tensor& x, std::int64_t dim, bool keepdim) {
  NoGradGuard no_grad;
  return argmax(neg(x), dim, keepdim);
}

namespace {
// Stable order of each line along dim; NaN sorts above every number, as PyTorch.
Tensor sort_indices(const Tensor& x, std::int64_t dim, bool descending) {
  const detail::Lines l = detail::Lines::around(x.shape(), dim);
  Tensor idx = empty(x.shape(), kInt64);
  std::int64_t* pi = idx.data<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    std::vector<std::int64_t> order(static_cast<std::size_t>(l.len));
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) {
        const T* line = px + o * l.len * l.inner + i;
        auto less = [&](std::int64_t a, std::int64_t b) {
          const T va = line[a * l.inner], vb = line[b * l.inner];
          if (va != va) return false;  // NaN is never below anything
          return vb != vb || va < vb;
        };
        std::iota(order.begin(), order.end(), 0);
        if (descending) std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return less(b, a); });
        else std::stable_sort(order.begin(), order.end(), less);
        for (std::int64_t k = 0; k < l.len; ++k) pi[(o * l.len + k) * l.inner + i] = order[static_cast<std::size_t>(k)];
      }
  });
  return idx;
}
}  // namespace

std::pair<Tensor, Tensor> sort(const Tensor& x, std::int64_t dim, bool descending) {
  if (x.dim() == 0) return {clone(x), zeros({}, kInt64)};
  dim = wrap_dim(dim, x.dim());
  const Tensor idx = sort_indices(x, dim, descending);
  return {gather(x, dim, idx), idx};
}

Tensor argsort(const Tensor& x, std::int64_t dim, bool descending) { return sort(x.detach(), dim, descending).second; }

std::pair<Tensor, Tensor> topk(const Tensor& x, std::int64_t k, std::int64_t dim, bool largest, bool sorted) {
  (void)sorted;  // always sorted (PyTorch's default)
  dim = wrap_dim(dim, x.dim());
  const std::int64_t size = x.dim() == 0 ? 1 : x.size(dim);
  if (k < 0 || k > size) throw std::out_of_range("selected index k out of range");
  if (x.dim() == 0) return {clone(x), zeros({}, kInt64)};
  const Tensor idx = range_along(sort_indices(x, dim, largest), dim, 0, k);
  return {gather(x, dim, idx), idx};
}

Tensor one_hot(const Tensor& x, std::int64_t num_classes) {
  if (x.dtype() != kInt64) throw std::invalid_argument("one_hot is only applicable to index tensor.");
  const auto v = to_vector<std::int64_t>(x);
  std::int64_t classes = num_classes;
  if (num_classes == -1) {
    if (v.empty()) throw std::invalid_argument("Can not infer total number of classes from empty tensor.");
    classes = *std::max_element(v.begin(), v.end()) + 1;
  }
  for (auto c : v) {
    if (c < 0) throw std::invalid_argument("Class values must be non-negative.");
    if (c >= classes) throw std::invalid_argument("Class values must be smaller than num_classes.");
  }
  Shape s = x.shape();
  s.push_back(classes);
  Tensor out = zeros(s, kInt64);
  std::int64_t* po = out.data<std::int64_t>();
  for (std::size_t i = 0; i < v.size(); ++i) po[static_cast<std::int64_t>(i) * classes + v[i]] = 1;
  return out;
}

// all/any: 0/1 in x's dtype (tapegrad has no bool dtype; masks are 0/1 like the comparisons).
Tensor all(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  NoGradGuard no_grad;
  const Tensor zeros_found = sum(eq(x, zeros({}, x.dtype())), dims, keepdim);
  return eq(zeros_found, zeros({}, x.dtype()));
}
Tensor any(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  NoGradGuard no_grad;
  const Tensor nonzeros_found = sum(ne(x, zeros({}, x.dtype())), dims, keepdim);
  return ne(nonzeros_found, zeros({}, x.dtype()));
}

}  // namespace tapegrad
