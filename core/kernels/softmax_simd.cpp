// Fast entry points of the softmax-family kernels. (Forwarding to the scalar twins until the
// xsimd implementations land.)
#include "softmax.hpp"

namespace tapegrad::kernels {

template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) { scalar::softmax_rows(x, y, rows, cols); }
template <class T> void log_softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols) { scalar::log_softmax_rows(x, y, rows, cols); }
template <class T> void logsumexp_rows(const T* x, T* out, std::int64_t rows, std::int64_t cols) { scalar::logsumexp_rows(x, out, rows, cols); }
template <class T> void softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) { scalar::softmax_backward_rows(y, g, dx, rows, cols); }
template <class T> void log_softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols) { scalar::log_softmax_backward_rows(y, g, dx, rows, cols); }
template <class T> void cross_entropy_forward_rows(const T* x, T* loss, T* lse, std::int64_t rows, std::int64_t cols, const CrossEntropyArgs<T>& a) { scalar::cross_entropy_forward_rows(x, loss, lse, rows, cols, a); }
template <class T> void cross_entropy_backward_rows(const T* x, const T* lse, const T* grad, T* dx, std::int64_t rows, std::int64_t cols, const CrossEntropyArgs<T>& a) { scalar::cross_entropy_backward_rows(x, lse, grad, dx, rows, cols, a); }

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

}  // namespace tapegrad::kernels
