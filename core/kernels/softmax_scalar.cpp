// Plain scalar twins of the softmax-family kernels: the reference the SIMD versions are tested against.
#include <algorithm>
#include <cmath>
#include <limits>

#include "softmax.hpp"

namespace tapegrad::kernels::scalar {

namespace {

constexpr auto nan_of = [](auto v) { return std::numeric_limits<decltype(v)>::quiet_NaN(); };

// A row's max and Σ exp(x - max), so logsumexp = max + log(sum). The max is NaN when the row holds
// a NaN, and the row has no finite logsumexp when the max is NaN or ±inf (all -inf, empty, or a +inf
// entry): then both parts are NaN, which carries NaN into every result, as PyTorch.
template <class T> struct RowStats {
  T max, sum;
  T lse() const { return max + std::log(sum); }
};

// Over n values x[0], x[stride], ... (stride 1 for a row).
template <class T> RowStats<T> row_stats(const T* x, std::int64_t n, std::int64_t stride = 1) {
  T m = -std::numeric_limits<T>::infinity();
  for (std::int64_t j = 0; j < n; ++j) m = (x[j * stride] > m || std::isnan(x[j * stride])) ? x[j * stride] : m;
  if (!std::isfinite(m)) return {nan_of(m), nan_of(m)};
  T s = 0;
  for (std::int64_t j = 0; j < n; ++j) s += std::exp(x[j * stride] - m);
  return {m, s};
}

// Calls f(offset) for the first element of each of the outer·inner lines of an (outer, len, inner) array.
template <class F> void for_each_line(std::int64_t outer, std::int64_t len, std::int64_t inner, F f) {
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) f(o * len * inner + i);
}

}  // namespace

template <class T> void exp_values(const T* x, T* y, std::int64_t n) {
  for (std::int64_t j = 0; j < n; ++j) y[j] = std::exp(x[j]);
}

template <class T> void logsumexp_rows(const T* x, T* out, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) out[r] = row_stats(x + r * cols, cols).lse();
}

template <class T> void log_softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    const RowStats<T> st = row_stats(xr, cols);
    const T log_sum = std::log(st.sum);
    for (std::int64_t j = 0; j < cols; ++j) yr[j] = (xr[j] - st.max) - log_sum;
  }
}

template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    // exp(x - max) / Σ exp(x - max): x - max is exact, where x - lse would round at |x| ~ 1000.
    const RowStats<T> st = row_stats(xr, cols);
    const T inv_sum = 1 / st.sum;
    for (std::int64_t j = 0; j < cols; ++j) yr[j] = std::exp(xr[j] - st.max) * inv_sum;
  }
}

template <class T> void softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    const T* gr = g + r * cols;
    T dot = 0;
    for (std::int64_t j = 0; j < cols; ++j) dot += gr[j] * yr[j];
    for (std::int64_t j = 0; j < cols; ++j) dx[r * cols + j] = yr[j] * (gr[j] - dot);
  }
}

template <class T> void log_softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* yr = y + r * cols;
    const T* gr = g + r * cols;
    T total = 0;
    for (std::int64_t j = 0; j < cols; ++j) total += gr[j];
    for (std::int64_t j = 0; j < cols; ++j) dx[r * cols + j] = gr[j] - std::exp(yr[j]) * total;
  }
}

template <class T>
void cross_entropy_forward_rows(const T* x, T* loss, T* lse, std::int64_t rows, std::int64_t cols,
                                const RowTargets<T>& a) {
  const T eps = static_cast<T>(a.smoothing);
  auto w = [&](std::int64_t c) { return a.class_weight ? a.class_weight[c] : T{1}; };
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    const std::int64_t t = a.index[r];
    const RowStats<T> st = row_stats(xr, cols);
    const T log_sum = std::log(st.sum);
    lse[r] = st.max + log_sum;
    if (t == a.skip_index) { loss[r] = 0; continue; }
    // lse - x_c written as (max - x_c) + log_sum: both terms >= 0, so nothing cancels.
    T result = (1 - eps) * w(t) * ((st.max - xr[t]) + log_sum);
    if (eps > 0) {
      T smooth = 0;
      for (std::int64_t c = 0; c < cols; ++c) smooth += w(c) * ((st.max - xr[c]) + log_sum);
      result += eps / static_cast<T>(cols) * smooth;
    }
    loss[r] = result;
  }
}

template <class T>
void cross_entropy_backward_rows(const T* x, const T* lse, const T* grad, T* dx, std::int64_t rows, std::int64_t cols,
                                 const RowTargets<T>& a) {
  const T eps = static_cast<T>(a.smoothing);
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* dr = dx + r * cols;
    const std::int64_t t = a.index[r];
    if (t == a.skip_index) { std::fill(dr, dr + cols, T{0}); continue; }
    auto q = [&](std::int64_t j) {
      const T w = a.class_weight ? a.class_weight[j] : T{1};
      return w * ((j == t ? 1 - eps : T{0}) + eps / static_cast<T>(cols));
    };
    // S = Σ_j q_j, accumulated in long double: in T, adding ~1000 terms of eps/C to ~1 drifts by
    // ~1e-5 relative in float, more than the SIMD kernel's closed form errs.
    long double sum_q = 0;
    for (std::int64_t j = 0; j < cols; ++j) sum_q += q(j);
    const T s = static_cast<T>(sum_q);
    for (std::int64_t j = 0; j < cols; ++j) dr[j] = grad[r] * (s * std::exp(xr[j] - lse[r]) - q(j));
  }
}

template <class T> void softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line(outer, len, inner, [&](std::int64_t at) {
    const RowStats<T> st = row_stats(x + at, len, inner);
    const T inv_sum = 1 / st.sum;
    for (std::int64_t k = 0; k < len; ++k) y[at + k * inner] = std::exp(x[at + k * inner] - st.max) * inv_sum;
  });
}

template <class T> void log_softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line(outer, len, inner, [&](std::int64_t at) {
    const RowStats<T> st = row_stats(x + at, len, inner);
    const T log_sum = std::log(st.sum);
    for (std::int64_t k = 0; k < len; ++k) y[at + k * inner] = (x[at + k * inner] - st.max) - log_sum;
  });
}

template <class T> void logsumexp_strided(const T* x, T* out, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for (std::int64_t o = 0; o < outer; ++o)
    for (std::int64_t i = 0; i < inner; ++i) out[o * inner + i] = row_stats(x + o * len * inner + i, len, inner).lse();
}

template <class T>
void softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line(outer, len, inner, [&](std::int64_t at) {
    T dot = 0;
    for (std::int64_t k = 0; k < len; ++k) dot += g[at + k * inner] * y[at + k * inner];
    for (std::int64_t k = 0; k < len; ++k) dx[at + k * inner] = y[at + k * inner] * (g[at + k * inner] - dot);
  });
}

template <class T>
void log_softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  for_each_line(outer, len, inner, [&](std::int64_t at) {
    T total = 0;
    for (std::int64_t k = 0; k < len; ++k) total += g[at + k * inner];
    for (std::int64_t k = 0; k < len; ++k) dx[at + k * inner] = g[at + k * inner] - std::exp(y[at + k * inner]) * total;
  });
}

#include "softmax_instantiate.inc"
#include "softmax_table.inc"

}  // namespace tapegrad::kernels::scalar
