// Reductions: sum, mean, max/argmax, and sum_to (the inverse of broadcasting).
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>

#include "common.hpp"

namespace tapegrad {


namespace {

// Wrapped, de-duplicated dims; empty `dims` means all of them.
std::vector<bool> reduced_mask(const Tensor& x, const std::vector<std::int64_t>& dims) {
  std::vector<bool> mask(static_cast<std::size_t>(x.dim()), dims.empty());
  for (auto d : dims) {
    const auto w = static_cast<std::size_t>(wrap_dim(d, x.dim()));
    if (x.dim() > 0 && mask[w]) throw std::invalid_argument("dim " + std::to_string(d) + " appears multiple times in the list of dims");
    if (x.dim() > 0) mask[w] = true;
  }
  return mask;
}

Shape keepdim_shape(const Tensor& x, const std::vector<bool>& mask) {
  Shape s = x.shape();
  for (std::size_t i = 0; i < s.size(); ++i)
    if (mask[i]) s[i] = 1;
  return s;
}

Shape drop_reduced(const Shape& s, const std::vector<bool>& mask) {
  Shape out;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!mask[i]) out.push_back(s[i]);
  return out;
}

// x seen as (outer, kept, inner) with the outer and inner dims reduced and the middle ones kept:
// the shape of every sum a training step takes (a bias gradient over rows or over N, H, W; a full
// sum). Empty when the kept dims are not one run.
struct KeptRun {
  std::int64_t outer = 1, kept = 1, inner = 1;
};
std::optional<KeptRun> kept_run(const Shape& x, const Shape& out) {
  KeptRun r;
  std::size_t i = 0;
  for (; i < x.size() && out[i] == 1; ++i) r.outer *= x[i];
  for (; i < x.size() && out[i] == x[i]; ++i) r.kept *= x[i];
  for (; i < x.size(); ++i) {
    if (out[i] != 1) return std::nullopt;
    r.inner *= x[i];
  }
  return r;
}

// Sum into `out_shape` (x's shape with reduced dims set to 1). Floats accumulate in double.
Tensor sum_keepdim(const Tensor& x, const Shape& out_shape) {
  Tensor out = empty(out_shape, x.dtype());
  const std::optional<KeptRun> run = x.is_contiguous() ? kept_run(x.shape(), out_shape) : std::nullopt;
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    using Acc = std::conditional_t<is_floating_point(dtype_of<T>), double, std::int64_t>;
    std::vector<Acc> acc(static_cast<std::size_t>(out.numel()), Acc{0});
    const T* px = x.data_ptr<T>();
    if (run) {  // one line of inner values at a time
      for (std::int64_t o = 0; o < run->outer; ++o)
        for (std::int64_t k = 0; k < run->kept; ++k) {
          const T* line = px + (o * run->kept + k) * run->inner;
          Acc s{0};
          for (std::int64_t i = 0; i < run->inner; ++i) s += line[i];
          acc[static_cast<std::size_t>(k)] += s;
        }
    } else {  // in row-major order whatever x's layout: the same sums as for a contiguous x
      detail::for_each_offset<2>(x.shape(), {x.strides(), detail::broadcast_strides(out_shape, x.shape())},
                                 [&](const auto& o) { acc[static_cast<std::size_t>(o[1])] += px[o[0]]; });
    }
    T* po = out.data<T>();
    for (std::size_t i = 0; i < acc.size(); ++i) po[i] = static_cast<T>(acc[i]);
  });
  return out;
}

}  // namespace

Tensor sum_to(const Tensor& grad, const Shape& shape) {
  if (grad.shape() == shape) return grad;
  const std::size_t lead = grad.shape().size() - shape.size();
  std::vector<std::int64_t> dims;
  for (std::size_t i = 0; i < grad.shape().size(); ++i)
    if (i < lead || (shape[i - lead] == 1 && grad.shape()[i] != 1)) dims.push_back(static_cast<std::int64_t>(i));
  return reshape(sum(grad, dims, true), shape);
}

Tensor sum_to_size(const Tensor& x, const Shape& size) {
  check_defined("sum_to_size", x);
  if (!is_expandable_to(size, x.shape()))
    throw std::invalid_argument("sum_to_size: size " + shape_str(size) + " is not expandable to size " +
                                shape_str(x.shape()));
  return sum_to(x, size);
}

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  const auto mask = reduced_mask(x, dims);
  const Shape keep = keepdim_shape(x, mask);
  Tensor y = sum_keepdim(x, keep);
  if (!keepdim) y = y.detach().reshape(drop_reduced(x.shape(), mask));
  if (!autograd::needs_grad({x})) return y;
  return record(Op::sum, autograd::DimsAttributes{dims, keepdim}, {x}, y,
                [shape = x.shape(), keep](const Tensor& g) { return Grads{expand(g.reshape(keep), shape)}; });
}

Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  check_floating(x.dtype(), "mean");
  const auto mask = reduced_mask(x, dims);
  std::int64_t count = 1;
  for (std::size_t i = 0; i < mask.size(); ++i)
    if (mask[i]) count *= x.shape()[i];
  return div(sum(x, dims, keepdim), static_cast<double>(count));  // 0/0 = NaN for empty input, as PyTorch
}

Tensor mean(const Tensor& x) { return mean(x, {}, false); }

namespace {

using detail::Lines;

// The first maximal element of each line of x around a dim (NaN counts as maximal, as in PyTorch).
Tensor argmax_lines(const Tensor& x0, const Lines& l) {
  const Tensor x = x0.expect_contiguous();
  Tensor idx = empty({l.outer * l.inner}, kInt64);
  std::int64_t* pi = idx.data<std::int64_t>();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = x.data<T>();
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) {
        const T* line = px + o * l.len * l.inner + i;
        std::int64_t best = 0;
        for (std::int64_t k = 1; k < l.len; ++k) {
          const T v = line[k * l.inner], b = line[best * l.inner];
          if (b != b) break;                 // a NaN already won
          if (v != v || v > b) best = k;
        }
        pi[o * l.inner + i] = best;
      }
  });
  return idx;
}

Shape reduced_shape(const Tensor& x, std::int64_t dim, bool keepdim) {
  Shape s = x.shape();
  if (s.empty()) return s;
  if (keepdim) s[static_cast<std::size_t>(dim)] = 1;
  else s.erase(s.begin() + dim);
  return s;
}

}  // namespace

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  dim = wrap_dim(dim, x.dim());
  if (x.dim() > 0 && x.shape()[dim] == 0)
    throw std::invalid_argument("argmax(): Expected reduction dim " + std::to_string(dim) + " to have non-zero size.");
  return argmax_lines(x, Lines::around(x.shape(), dim)).reshape(reduced_shape(x, dim, keepdim));
}

std::pair<Tensor, Tensor> max(const Tensor& x, std::int64_t dim, bool keepdim) {
  dim = wrap_dim(dim, x.dim());
  if (x.dim() > 0 && x.shape()[dim] == 0)
    throw std::invalid_argument("max(): Expected reduction dim " + std::to_string(dim) + " to have non-zero size.");
  const Lines l = Lines::around(x.shape(), dim);
  const Tensor idx = argmax_lines(x, l);
  Tensor values = empty({l.outer * l.inner}, x.dtype());
  const Tensor xc = x.expect_contiguous();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>();
    const std::int64_t* pi = idx.data<std::int64_t>();
    T* pv = values.data<T>();
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i)
        pv[o * l.inner + i] = px[(o * l.len + pi[o * l.inner + i]) * l.inner + i];
  });
  const Shape out_shape = reduced_shape(x, dim, keepdim);
  values = values.reshape(out_shape);
  Tensor indices = idx.reshape(out_shape);
  // Each gradient goes back to the position its maximum came from: the scatter of the indices
  // (recorded, so it is differentiated again by a gather).
  values = record(Op::max, autograd::DimAttributes{dim, keepdim}, {x}, values,
                  [shape = x.shape(), dim, index = indices.reshape(reduced_shape(x, dim, true))](const Tensor& g) {
                    return Grads{scatter_add(zeros(shape, g.dtype()), dim, index, g.reshape(index.shape()))};
                  });
  return {values, indices};
}

Tensor max(const Tensor& x) {
  if (x.numel() == 0)
    throw std::invalid_argument("max(): Expected reduction dim to be specified for input.numel() == 0.");
  // Row-major, its elements are one line of numel values.
  const Tensor xc = x.expect_contiguous();
  const std::int64_t at = argmax_lines(xc, Lines{1, x.numel(), 1}).data<std::int64_t>()[0];
  Tensor value = empty({}, x.dtype());
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    value.data<T>()[0] = xc.data<T>()[at];
  });
  return record(Op::max, {x}, value, [sx = save(x), sv = save(value)](const Tensor& g) {
    // As PyTorch's evenly_distribute_backward: every element equal to the maximum (every NaN, when
    // the maximum is NaN) gets an equal share of the gradient.
    const Tensor x = sx.get().expect_contiguous();
    Tensor share = zeros(x.shape(), x.dtype());  // 1/count at each maximum: a constant
    dispatch_floating(x.dtype(), "max_backward", [&](auto tag) {
      using T = decltype(tag);
      const T* px = x.data<T>();
      const T m = sv.get().template data<T>()[0];
      T* pd = share.data<T>();
      auto is_max = [m](T v) { return m != m ? v != v : v == m; };
      std::int64_t count = 0;
      for (std::int64_t i = 0; i < x.numel(); ++i) count += is_max(px[i]);
      for (std::int64_t i = 0; i < x.numel(); ++i) pd[i] = is_max(px[i]) ? T{1} / static_cast<T>(count) : T{0};
    });
    return Grads{mul(expand(g, x.shape()), share)};
  });
}

}  // namespace tapegrad
