// softmax, log_softmax and logsumexp along any dim, on the row kernels of kernels/softmax.hpp.
// A non-last dim is moved last (a copy), processed as rows, and moved back.
#include <algorithm>
#include <cmath>
#include <limits>

#include "../autograd.hpp"
#include "../kernels/softmax.hpp"
#include "../ops.hpp"

namespace tapegrad {

using autograd::record;
using autograd::save;
using Grads = std::vector<Tensor>;

namespace {

std::int64_t row_length(const Tensor& x) { return x.dim() == 0 ? 1 : x.shape().back(); }
// Counted from the leading dims, so a (2, 0) tensor has 2 (empty) rows.
std::int64_t row_count(const Tensor& x) {
  return x.dim() == 0 ? 1 : shape_numel(Shape(x.shape().begin(), x.shape().end() - 1));
}

// Applies a row kernel `k(in, out, rows, cols)` over the last dim of x, into a new tensor of x's shape.
template <class K> Tensor over_rows(const char* op, const Tensor& x, K k) {
  Tensor y = empty(x.shape(), x.dtype());
  dispatch_floating(x.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    k(x.data<T>(), y.data<T>(), row_count(x), row_length(x));
  });
  return y;
}

// Same, for a backward kernel `k(saved, g, dx, rows, cols)`.
template <class K> Tensor over_rows2(const char* op, const Tensor& saved, const Tensor& g, K k) {
  Tensor dx = empty(g.shape(), g.dtype());
  dispatch_floating(g.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    k(saved.data<T>(), g.data<T>(), dx.data<T>(), row_count(g), row_length(g));
  });
  return dx;
}

// Runs `last_dim_op` with `dim` moved to the end, as a differentiable composition.
template <class F> Tensor along(const Tensor& x, std::int64_t dim, F last_dim_op) {
  dim = wrap_dim(dim, x.dim());
  if (x.dim() == 0 || dim == x.dim() - 1) return last_dim_op(x);
  return transpose(last_dim_op(transpose(x, dim, -1)), dim, -1);
}

Tensor softmax_last(const Tensor& x) {
  Tensor y = over_rows("softmax", x, [](auto in, auto out, auto r, auto c) { kernels::softmax_rows(in, out, r, c); });
  return record("softmax", {x}, y, [sy = save(y)](const Tensor& g) {
    return Grads{over_rows2("softmax_backward", sy.get(), g,
                            [](auto y, auto g, auto dx, auto r, auto c) { kernels::softmax_backward_rows(y, g, dx, r, c); })};
  });
}

Tensor log_softmax_last(const Tensor& x) {
  Tensor y = over_rows("log_softmax", x, [](auto in, auto out, auto r, auto c) { kernels::log_softmax_rows(in, out, r, c); });
  return record("log_softmax", {x}, y, [sy = save(y)](const Tensor& g) {
    return Grads{over_rows2("log_softmax_backward", sy.get(), g, [](auto y, auto g, auto dx, auto r, auto c) {
      kernels::log_softmax_backward_rows(y, g, dx, r, c);
    })};
  });
}

// torch.logsumexp, unlike the row kernels (whose NaN serves log_softmax and cross-entropy), keeps
// an infinite max: a row of only -inf (or an empty row) gives -inf, a +inf entry gives +inf; only a
// NaN entry gives NaN.
template <class T> void keep_infinite_maxima(const T* x, T* lse, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    if (!std::isnan(lse[r])) continue;
    const T* row = x + r * cols;
    T m = -std::numeric_limits<T>::infinity();
    for (std::int64_t j = 0; j < cols && !std::isnan(m); ++j) m = std::isnan(row[j]) ? row[j] : std::max(m, row[j]);
    lse[r] = m;
  }
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) { return along(x, dim, softmax_last); }
Tensor log_softmax(const Tensor& x, std::int64_t dim) { return along(x, dim, log_softmax_last); }

Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim) {
  // d lse / dx = softmax(x): written as a composition so its gradient comes for free.
  dim = wrap_dim(dim, x.dim());
  const Tensor moved = x.dim() == 0 ? x : transpose(x, dim, -1);
  Shape keep_shape = moved.shape();
  if (!keep_shape.empty()) keep_shape.back() = 1;
  Tensor lse = empty(keep_shape, x.dtype());
  dispatch_floating(x.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    kernels::logsumexp_rows(moved.data<T>(), lse.data<T>(), row_count(moved), row_length(moved));
    keep_infinite_maxima(moved.data<T>(), lse.data<T>(), row_count(moved), row_length(moved));
  });
  lse = record("logsumexp", {moved}, lse, [sx = save(moved), sl = save(lse)](const Tensor& g) {
    return Grads{mul(g, exp(sub(sx.get(), sl.get())))};
  });
  if (x.dim() == 0) return lse;
  lse = transpose(lse, dim, -1);
  return keepdim ? lse : squeeze(lse, dim);
}

}  // namespace tapegrad
