// softmax, log_softmax and logsumexp along any dim, on the kernels of kernels/softmax.hpp: the row
// kernels when dim is the last one, the strided kernels (no transposed copies) otherwise.
#include <algorithm>
#include <cmath>
#include <limits>

#include "../kernels/softmax.hpp"
#include "common.hpp"
#include "../threads.hpp"

namespace tapegrad {


namespace {

// Normalising along dim works on the outer·inner lines of len values around it (strided.hpp).
using detail::Lines;
Lines lines_around(const Tensor& x, std::int64_t dim) { return Lines::around(x.shape(), dim); }

// Runs f(part, offset) over consecutive runs of outer blocks, on the kernel threads when there is
// enough work (from 64K values: a 4096x1000 log_softmax runs 1.7x faster on 2 cores). Blocks are
// independent, so the result does not depend on the split.
constexpr std::int64_t kParallelMinValues = std::int64_t{1} << 16;
template <class F> void over_outer_blocks(const Lines& l, F f) {
  const std::int64_t block = l.len * l.inner;
  const int threads = l.outer > 1 && l.outer * block >= kParallelMinValues ? get_num_threads() : 1;
  const detail::FixedThreadCount fixed;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int t = 0; t < threads; ++t) {
    const std::int64_t begin = l.outer * t / threads, end = l.outer * (t + 1) / threads;
    f(Lines{end - begin, l.len, l.inner}, begin * block);
  }
}

template <class T> void normalise_block(bool log, const T* x, T* y, const Lines& l) {
  if (l.inner == 1) {
    if (log) kernels::log_softmax_rows(x, y, l.outer, l.len);
    else kernels::softmax_rows(x, y, l.outer, l.len);
  } else {
    if (log) kernels::log_softmax_strided(x, y, l.outer, l.len, l.inner);
    else kernels::softmax_strided(x, y, l.outer, l.len, l.inner);
  }
}

template <class T> void normalise(bool log, const T* x, T* y, const Lines& l) {
  over_outer_blocks(l, [&](const Lines& part, std::int64_t at) { normalise_block(log, x + at, y + at, part); });
}

template <class T> void normalise_backward_block(bool log, const T* y, const T* g, T* dx, const Lines& l) {
  if (l.inner == 1) {
    if (log) kernels::log_softmax_backward_rows(y, g, dx, l.outer, l.len);
    else kernels::softmax_backward_rows(y, g, dx, l.outer, l.len);
  } else {
    if (log) kernels::log_softmax_backward_strided(y, g, dx, l.outer, l.len, l.inner);
    else kernels::softmax_backward_strided(y, g, dx, l.outer, l.len, l.inner);
  }
}

template <class T> void normalise_backward(bool log, const T* y, const T* g, T* dx, const Lines& l) {
  over_outer_blocks(l, [&](const Lines& part, std::int64_t at) {
    normalise_backward_block(log, y + at, g + at, dx + at, part);
  });
}

// softmax (log = false) or log_softmax along dim; its backward is the op below, from the saved output.
Tensor normalise_op(Op op, bool log, const Tensor& x, std::int64_t dim) {
  dim = wrap_dim(dim, x.dim());
  const Lines l = lines_around(x, dim);
  Tensor y = empty(x.shape(), x.dtype());
  const Tensor xc = x.expect_contiguous();  // the kernels read rows of raw memory
  dispatch_floating(x.dtype(), autograd::op_name(op), [&](auto tag) {
    using T = decltype(tag);
    normalise(log, xc.data<T>(), y.data<T>(), l);
  });
  if (!autograd::needs_grad({x})) return y;
  return record(op, autograd::DimAttributes{dim}, {x}, y, [sy = save(y), log, dim](const Tensor& g) {
    return Grads{log ? log_softmax_backward_data(g, sy.get(), dim) : softmax_backward_data(g, sy.get(), dim)};
  });
}

// The fused backward of softmax (log = false: y·(g - Σ g·y)) or log_softmax (g - exp(y)·Σg) along
// dim, recorded with its own derivative `grad(gg, g, y)` in ops.
template <class G>
Tensor normalise_backward_op(Op op, bool log, const Tensor& g, const Tensor& y, std::int64_t dim, G grad) {
  dim = wrap_dim(dim, y.dim());
  check_same_dtype(autograd::op_name(op), g, y);
  if (g.shape() != y.shape())
    throw std::invalid_argument(std::string(autograd::op_name(op)) + ": grad_output of size " + shape_str(g.shape()) +
                                " does not match output of size " + shape_str(y.shape()));
  const Lines l = lines_around(y, dim);
  Tensor dx = empty(y.shape(), y.dtype());
  const Tensor gc = g.expect_contiguous(), yc = y.expect_contiguous();
  dispatch_floating(y.dtype(), autograd::op_name(op), [&](auto tag) {
    using T = decltype(tag);
    normalise_backward(log, yc.template data<T>(), gc.template data<T>(), dx.data<T>(), l);
  });
  if (!autograd::needs_grad({g, y})) return dx;
  return record(op, autograd::DimAttributes{dim}, {g, y}, dx,
                [sg = save(g), sy = save(y), dim, grad](const Tensor& gg) { return grad(gg, sg.get(), sy.get(), dim); });
}

}  // namespace

// d/dg is the op itself (its Jacobian diag(y) - y·yᵀ is symmetric);
// d/dy = gg·g - gg·Σ(g·y) - g·Σ(gg·y).
Tensor softmax_backward_data(const Tensor& grad_output, const Tensor& output, std::int64_t dim) {
  return normalise_backward_op(
      Op::softmax_backward_data, false, grad_output, output, dim,
      [](const Tensor& gg, const Tensor& g, const Tensor& y, std::int64_t dim) {
        const std::vector<std::int64_t> dims{dim};
        const Tensor dy = sub(sub(mul(gg, g), mul(gg, sum(mul(g, y), dims, true))), mul(g, sum(mul(gg, y), dims, true)));
        return Grads{softmax_backward_data(gg, y, dim), dy};
      });
}

// d/dg = gg - Σ(gg·exp(y)); d/dy = -gg·exp(y)·Σg.
Tensor log_softmax_backward_data(const Tensor& grad_output, const Tensor& output, std::int64_t dim) {
  return normalise_backward_op(
      Op::log_softmax_backward_data, true, grad_output, output, dim,
      [](const Tensor& gg, const Tensor& g, const Tensor& y, std::int64_t dim) {
        const std::vector<std::int64_t> dims{dim};
        const Tensor p = exp(y);
        return Grads{sub(gg, sum(mul(gg, p), dims, true)), neg(mul(mul(gg, p), sum(g, dims, true)))};
      });
}

namespace {

// torch.logsumexp, unlike the kernels (whose NaN serves log_softmax and cross-entropy), keeps an
// infinite max: a line of only -inf (or an empty line) gives -inf, a +inf entry gives +inf; only a
// NaN entry gives NaN.
template <class T> void keep_infinite_maxima(const T* x, T* lse, const Lines& l) {
  for (std::int64_t o = 0; o < l.outer; ++o) {
    for (std::int64_t i = 0; i < l.inner; ++i) {
      T& out = lse[o * l.inner + i];
      if (!std::isnan(out)) continue;
      const T* line = x + o * l.len * l.inner + i;
      T m = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < l.len && !std::isnan(m); ++k)
        m = std::isnan(line[k * l.inner]) ? line[k * l.inner] : std::max(m, line[k * l.inner]);
      out = m;
    }
  }
}

}  // namespace

Tensor softmax(const Tensor& x, std::int64_t dim) { return normalise_op(Op::softmax, false, x, dim); }
Tensor log_softmax(const Tensor& x, std::int64_t dim) { return normalise_op(Op::log_softmax, true, x, dim); }

Tensor logsumexp(const Tensor& x, std::int64_t dim, bool keepdim) {
  dim = wrap_dim(dim, x.dim());
  const Lines l = lines_around(x, dim);
  Shape keep_shape = x.shape();
  if (x.dim() > 0) keep_shape[dim] = 1;
  Tensor lse = empty(keep_shape, x.dtype());
  const Tensor xc = x.expect_contiguous();
  dispatch_floating(x.dtype(), "logsumexp", [&](auto tag) {
    using T = decltype(tag);
    if (l.inner == 1) kernels::logsumexp_rows(xc.data<T>(), lse.data<T>(), l.outer, l.len);
    else kernels::logsumexp_strided(xc.data<T>(), lse.data<T>(), l.outer, l.len, l.inner);
    keep_infinite_maxima(xc.data<T>(), lse.data<T>(), l);
  });
  // d lse / dx = softmax(x) = exp(x - lse), with g and lse broadcast along dim.
  lse = record(Op::logsumexp, autograd::DimAttributes{dim, keepdim}, {x}, lse, [sx = save(x), sl = save(lse)](const Tensor& g) {
    return Grads{mul(g, exp(sub(sx.get(), sl.get())))};
  });
  return keepdim || x.dim() == 0 ? lse : squeeze(lse, dim);
}

}  // namespace tapegrad
