// Plain scalar twins of the softmax-family kernels: the reference the SIMD versions are tested against.
#include <algorithm>
#include <cmath>
#include <limits>

#include "softmax.hpp"

namespace tapegrad::kernels::scalar {

namespace {

// logsumexp of one row, stable: m + log Σ exp(x - m). A row of all -inf gives -inf - NaN = NaN
// through (x - m) = NaN, as PyTorch; +inf or NaN entries give NaN.
template <class T> T row_logsumexp(const T* x, std::int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (std::int64_t j = 0; j < n; ++j) m = (x[j] > m || std::isnan(x[j])) ? x[j] : m;
  if (std::isnan(m)) return m;
  if (std::isinf(m)) {
    // All -inf (empty row included): PyTorch's log_softmax yields NaN; +inf max yields NaN too.
    return std::numeric_limits<T>::quiet_NaN();
  }
  T s = 0;
  for (std::int64_t j = 0; j < n; ++j) s += std::exp(x[j] - m);
  return m + std::log(s);
}

}  // namespace

template <class T> void logsumexp_rows(const T* x, T* out, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) out[r] = row_logsumexp(x + r * cols, cols);
}

template <class T> void log_softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    const T lse = row_logsumexp(xr, cols);
    for (std::int64_t j = 0; j < cols; ++j) yr[j] = xr[j] - lse;
  }
}

template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) {
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    const T lse = row_logsumexp(xr, cols);
    for (std::int64_t j = 0; j < cols; ++j) yr[j] = std::exp(xr[j] - lse);
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
                                const CrossEntropyArgs<T>& a) {
  const T eps = static_cast<T>(a.label_smoothing);
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    const std::int64_t t = a.target[r];
    lse[r] = row_logsumexp(xr, cols);
    if (t == a.ignore_index) { loss[r] = 0; continue; }
    const T wt = a.weight ? a.weight[t] : T{1};
    T l = (1 - eps) * wt * (lse[r] - xr[t]);
    if (eps > 0) {
      T smooth = 0;
      for (std::int64_t c = 0; c < cols; ++c) smooth += (a.weight ? a.weight[c] : T{1}) * (lse[r] - xr[c]);
      l += eps / static_cast<T>(cols) * smooth;
    }
    loss[r] = l;
  }
}

template <class T>
void cross_entropy_backward_rows(const T* x, const T* lse, const T* grad, T* dx, std::int64_t rows, std::int64_t cols,
                                 const CrossEntropyArgs<T>& a) {
  const T eps = static_cast<T>(a.label_smoothing);
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* xr = x + r * cols;
    T* dr = dx + r * cols;
    const std::int64_t t = a.target[r];
    if (t == a.ignore_index) { std::fill(dr, dr + cols, T{0}); continue; }
    auto q = [&](std::int64_t j) {
      const T w = a.weight ? a.weight[j] : T{1};
      return w * ((j == t ? 1 - eps : T{0}) + eps / static_cast<T>(cols));
    };
    T s = 0;
    for (std::int64_t j = 0; j < cols; ++j) s += q(j);
    for (std::int64_t j = 0; j < cols; ++j) dr[j] = grad[r] * (s * std::exp(xr[j] - lse[r]) - q(j));
  }
}

#define TAPEGRAD_INSTANTIATE(T)                                                                          \
  template void logsumexp_rows<T>(const T*, T*, std::int64_t, std::int64_t);                            \
  template void log_softmax_rows<T>(const T*, T*, std::int64_t, std::int64_t);                           \
  template void softmax_rows<T>(const T*, T*, std::int64_t, std::int64_t);                               \
  template void softmax_backward_rows<T>(const T*, const T*, T*, std::int64_t, std::int64_t);            \
  template void log_softmax_backward_rows<T>(const T*, const T*, T*, std::int64_t, std::int64_t);        \
  template void cross_entropy_forward_rows<T>(const T*, T*, T*, std::int64_t, std::int64_t,              \
                                              const CrossEntropyArgs<T>&);                               \
  template void cross_entropy_backward_rows<T>(const T*, const T*, const T*, T*, std::int64_t,           \
                                               std::int64_t, const CrossEntropyArgs<T>&);
TAPEGRAD_INSTANTIATE(float)
TAPEGRAD_INSTANTIATE(double)
#undef TAPEGRAD_INSTANTIATE

}  // namespace tapegrad::kernels::scalar
