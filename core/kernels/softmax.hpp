// Row kernels for the softmax family and the fused cross-entropy. A "row" is `cols` contiguous
// values; every function processes `rows` of them. T is float or double (explicitly instantiated).
// The functions in namespace kernels are the fast ones: they call the SIMD kernels of the instruction
// set chosen at run time (cpu_capabilities().active; softmax_kernels(isa) gives any available set's).
// kernels::scalar holds plain twins with the same contracts, used as test oracles.
//
// Row semantics (as PyTorch): entries of -inf get probability 0; a row holding NaN or +inf, or made
// only of -inf (an empty row included), gives NaN everywhere. Large finite logits (±1000) stay finite:
// every kernel works with x - max(x), and log-domain results are formed as (x - max) - log Σ exp(x - max).
#pragma once

#include <cstdint>
#include <limits>

#include "../cpu.hpp"

namespace tapegrad::kernels {

// Each row's target distribution for the cross-entropy kernels: q_c = w_c·((1-s)·[c = index] + s/cols),
// from one class index per row, optional per-class weights w and a smoothing s in [0, 1]. A row whose
// index equals skip_index contributes 0 (and gets a 0 gradient).
template <class T> struct RowTargets {
  const std::int64_t* index = nullptr;  // one per row, each in [0, cols) or == skip_index
  const T* class_weight = nullptr;      // cols weights, or nullptr for all ones
  std::int64_t skip_index = std::numeric_limits<std::int64_t>::min();
  double smoothing = 0.0;
};

#define TAPEGRAD_DECLARE_SOFTMAX_KERNELS                                                                         \
  /* y[i] = exp(x[i]): the kernels' exp, exposed for tests and benchmarks (the SIMD one is within 2 ulp */     \
  /* of std::exp and flushes results below the smallest normal number to 0) */                                   \
  template <class T> void exp_values(const T* x, T* y, std::int64_t n);                                          \
  /* y = softmax(x) per row */                                                                                   \
  template <class T> void softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols);                  \
  /* y = x - logsumexp(x) per row */                                                                             \
  template <class T> void log_softmax_rows(const T* x, T* y, std::int64_t rows, std::int64_t cols);              \
  /* out[r] = logsumexp(x[r]) */                                                                                 \
  template <class T> void logsumexp_rows(const T* x, T* out, std::int64_t rows, std::int64_t cols);              \
  /* dx = y * (g - sum(g * y)), y = softmax(x) */                                                                \
  template <class T> void softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols); \
  /* dx = g - exp(y) * sum(g), y = log_softmax(x) */                                                             \
  template <class T>                                                                                             \
  void log_softmax_backward_rows(const T* y, const T* g, T* dx, std::int64_t rows, std::int64_t cols);           \
  /* loss[r] = (1-e)·w[t]·(lse - x[t]) + (e/C)·Σ_c w_c·(lse - x_c), 0 for an ignored row; lse[r] saved */        \
  template <class T>                                                                                             \
  void cross_entropy_forward_rows(const T* x, T* loss, T* lse, std::int64_t rows, std::int64_t cols,             \
                                  const RowTargets<T>& args);                                              \
  /* dx[r,j] = grad[r]·(S·p_j - q_j), p = exp(x - lse[r]), q_j = w_j((1-e)[j=t] + e/C), S = Σ_j q_j; 0 if ignored */ \
  template <class T>                                                                                             \
  void cross_entropy_backward_rows(const T* x, const T* lse, const T* grad, T* dx, std::int64_t rows,            \
                                   std::int64_t cols, const RowTargets<T>& args); \
  /* Along a dim that is not the last: x is (outer, len, inner) contiguous and each of its outer·inner */      \
  /* lines of len values (stride inner) is a row with the semantics above; logsumexp writes (outer, inner). */  \
  template <class T>                                                                                             \
  void softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner);              \
  template <class T>                                                                                             \
  void log_softmax_strided(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t inner);          \
  template <class T>                                                                                             \
  void logsumexp_strided(const T* x, T* out, std::int64_t outer, std::int64_t len, std::int64_t inner);          \
  template <class T>                                                                                             \
  void softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len,             \
                                std::int64_t inner);                                                             \
  template <class T>                                                                                             \
  void log_softmax_backward_strided(const T* y, const T* g, T* dx, std::int64_t outer, std::int64_t len,         \
                                    std::int64_t inner);

TAPEGRAD_DECLARE_SOFTMAX_KERNELS
namespace scalar {
TAPEGRAD_DECLARE_SOFTMAX_KERNELS
}  // namespace scalar
#undef TAPEGRAD_DECLARE_SOFTMAX_KERNELS

// One instruction set's kernels, as function pointers with the signatures above.
template <class T> struct SoftmaxKernels {
  decltype(&scalar::exp_values<T>) exp_values;
  decltype(&scalar::softmax_rows<T>) softmax_rows;
  decltype(&scalar::log_softmax_rows<T>) log_softmax_rows;
  decltype(&scalar::logsumexp_rows<T>) logsumexp_rows;
  decltype(&scalar::softmax_backward_rows<T>) softmax_backward_rows;
  decltype(&scalar::log_softmax_backward_rows<T>) log_softmax_backward_rows;
  decltype(&scalar::cross_entropy_forward_rows<T>) cross_entropy_forward_rows;
  decltype(&scalar::cross_entropy_backward_rows<T>) cross_entropy_backward_rows;
  decltype(&scalar::softmax_strided<T>) softmax_strided;
  decltype(&scalar::log_softmax_strided<T>) log_softmax_strided;
  decltype(&scalar::logsumexp_strided<T>) logsumexp_strided;
  decltype(&scalar::softmax_backward_strided<T>) softmax_backward_strided;
  decltype(&scalar::log_softmax_backward_strided<T>) log_softmax_backward_strided;
};

// The kernels of one instruction set that cpu_capabilities().available lists (Isa::scalar: the
// twins), for tests and benchmarks; std::invalid_argument for a set the CPU or the build lacks.
template <class T> const SoftmaxKernels<T>& softmax_kernels(Isa isa);

// Each implementation's table (softmax_table.inc); the SIMD ones exist for the sets in this build.
namespace scalar { template <class T> SoftmaxKernels<T> softmax_table(); }
namespace sse2 { template <class T> SoftmaxKernels<T> softmax_table(); }
namespace avx2 { template <class T> SoftmaxKernels<T> softmax_table(); }
namespace avx512 { template <class T> SoftmaxKernels<T> softmax_table(); }

}  // namespace tapegrad::kernels
