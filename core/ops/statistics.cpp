// var, std, norm (composed of core ops) and cumsum (a kernel whose backward is a reversed cumsum).
#include <cmath>
#include <stdexcept>
#include <string>

#include "common.hpp"

namespace tapegrad {

namespace {
std::int64_t reduced_count(const Tensor& x, const std::vector<std::int64_t>& dims) {
  if (dims.empty()) return x.numel();
  std::int64_t n = 1;
  for (auto d : dims) n *= x.dim() == 0 ? 1 : x.size(wrap_dim(d, x.dim()));
  return n;
}

// sqrt with PyTorch's gradient convention at 0 (std_backward and norm_backward mask it to 0 rather than
// 0 · inf = NaN): the sqrt reads 1 where v == 0, and where() gives that branch no gradient.
Tensor sqrt_zero_grad_at_zero(const Tensor& v) {
  const Tensor zero = zeros({}, v.dtype());
  const Tensor is_zero = eq(v, zero);
  return where(is_zero, zero, sqrt(where(is_zero, ones({}, v.dtype()), v)));
}
}  // namespace

Tensor var(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased, bool keepdim) {
  check_floating(x.dtype(), "var");
  const Tensor centred = sub(x, mean(x, dims, true));
  const auto n = static_cast<double>(reduced_count(x, dims));
  // n - 1 = 0 gives 0/0 = NaN for one unbiased element, as PyTorch (which also warns).
  return div(sum(mul(centred, centred), dims, keepdim), unbiased ? n - 1 : n);
}

Tensor std(const Tensor& x, const std::vector<std::int64_t>& dims, bool unbiased, bool keepdim) {
  return sqrt_zero_grad_at_zero(var(x, dims, unbiased, keepdim));
}

Tensor norm(const Tensor& x, double p, const std::vector<std::int64_t>& dims, bool keepdim) {
  check_floating(x.dtype(), "norm");
  if (std::isinf(p) && p > 0) {
    if (dims.empty()) {
      Tensor m = max(abs(x));  // ties share the gradient evenly, as PyTorch
      if (keepdim) m = reshape(m, Shape(static_cast<std::size_t>(x.dim()), 1));
      return m;
    }
    if (dims.size() != 1) throw std::invalid_argument("norm: tapegrad's infinity norm takes one dim or all of them");
    return max(abs(x), dims[0], keepdim).first;
  }
  if (p == 1) return sum(abs(x), dims, keepdim);
  if (p == 2) return sqrt_zero_grad_at_zero(sum(mul(x, x), dims, keepdim));
  if (!(p > 0)) throw std::invalid_argument("norm: tapegrad supports p > 0 (got " + std::to_string(p) + ")");
  return pow(sum(pow(abs(x), p), dims, keepdim), 1 / p);
}

Tensor cumsum(const Tensor& x, std::int64_t dim) {
  dim = wrap_dim(dim, x.dim());
  const detail::Lines l = detail::Lines::around(x.shape(), dim);
  Tensor y = empty(x.shape(), x.dtype());
  const Tensor xc = x.expect_contiguous();
  dispatch(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* px = xc.data<T>();
    T* py = y.data<T>();
    for (std::int64_t o = 0; o < l.outer; ++o)
      for (std::int64_t i = 0; i < l.inner; ++i) {
        T acc{0};
        for (std::int64_t k = 0; k < l.len; ++k) {
          const std::int64_t at = (o * l.len + k) * l.inner + i;
          acc += px[at];
          py[at] = acc;
        }
      }
  });
  // Each input element feeds every later output: the gradient is the reversed cumulative sum.
  return record(Op::cumsum, autograd::DimAttributes{dim}, {x}, y, [dim](const Tensor& g) { return Grads{flip(cumsum(flip(g, {dim}), dim), {dim})}; });
}

}  // namespace tapegrad
