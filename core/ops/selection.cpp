// Picking, repeating and ordering: repeat, flip, masked_fill, tril/triu, min/argmin,
// sort/argsort, topk, one_hot, all/any. The differentiable ones are composed of index_select, gather,
// expand, where and max, so they need no backward of their own.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "common.hpp"

namespace tapegrad {

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

Tensor& masked_fill_(Tensor& x, const Tensor& mask, const Scalar& value) {
  check_defined("masked_fill_", x);
  check_defined("masked_fill_", mask);
  if (!is_expandable_to(mask.shape(), x.shape()))
    throw std::invalid_argument("masked_fill_: the mask of shape " + shape_str(mask.shape()) +
                                " must broadcast to the input's shape " + shape_str(x.shape()));
  x.begin_inplace("masked_fill_");
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* px = x.data_ptr<T>();
    const T v = value.to<T>();
    dispatch(mask.dtype(), [&](auto mask_tag) {
      using M = decltype(mask_tag);
      const M* pm = mask.data_ptr<M>();
      detail::for_each_offset<2>(x.shape(), {x.strides(), detail::broadcast_strides(mask, x.shape())},
                                 [&](const auto& o) { if (pm[o[1]] != M{0}) px[o[0]] = v; });
    });
  });
  return x;
}

namespace {
// x where column - row (of the last two dims) is within the band (<= diagonal for tril, >= for triu),
// else 0; its backward is the same band of the gradient.
Tensor triangle(Op op, const Tensor& x, std::int64_t diagonal, bool lower) {
  check_defined(autograd::op_name(op), x);
  if (x.dim() < 2)
    throw std::invalid_argument(std::string(autograd::op_name(op)) + ": input tensor must have at least 2 dimensions");
  const std::int64_t rows = x.size(-2), cols = x.size(-1);
  Tensor y = empty(x.shape(), x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data_ptr<T>();
    T* py = y.data<T>();
    std::int64_t e = 0;
    detail::for_each_offset<1>(x.shape(), {x.strides()}, [&](const auto& o) {
      const std::int64_t j = e % cols, i = (e / cols) % rows;
      const bool keep = lower ? j - i <= diagonal : j - i >= diagonal;
      py[e++] = keep ? px[o[0]] : T{0};
    });
  });
  return record(op, autograd::ScalarAttributes{static_cast<double>(diagonal)}, {x}, y, [op, diagonal, lower](const Tensor& g) { return Grads{triangle(op, g, diagonal, lower)}; });
}
}  // namespace

Tensor tril(const Tensor& x, std::int64_t diagonal) { return triangle(Op::tril, x, diagonal, true); }
Tensor triu(const Tensor& x, std::int64_t diagonal) { return triangle(Op::triu, x, diagonal, false); }

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
  const Tensor xc = x.expect_contiguous();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>();
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
  const Tensor idx = narrow(sort_indices(x, dim, largest), dim, 0, k).contiguous();
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
