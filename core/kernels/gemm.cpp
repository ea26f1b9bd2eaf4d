// float32: oneDNN's sgemm (it picks AVX-512/AVX2 kernels from the CPU's feature flags at run time).
// float64 (gradient checks, small problems): a plain reference loop.
#include "gemm.hpp"

#include "../threads.hpp"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>

#include <stdexcept>
#include <string>

namespace tapegrad::kernels {

namespace {

// Products smaller than this many multiply-adds run on one thread. Measured on the seed network's
// shapes (2 cores): from 64x256x512 up a second thread gives 1.3-1.8x; at 64x64x128 it gives
// nothing, and 64x10x64 runs 45% slower — the fork/join costs more than the work it splits.
constexpr std::int64_t kParallelMinMacs = std::int64_t{1} << 20;

// Runs one call with `threads` OpenMP threads, restoring the calling thread's setting after.
class ThreadLimit {
 public:
  explicit ThreadLimit(int threads) : previous_(omp_get_max_threads()), changed_(threads != previous_) {
    if (changed_) omp_set_num_threads(threads);
  }
  ~ThreadLimit() {
    if (changed_) omp_set_num_threads(previous_);
  }
  ThreadLimit(const ThreadLimit&) = delete;
  ThreadLimit& operator=(const ThreadLimit&) = delete;

 private:
  int previous_;
  bool changed_;
};

}  // namespace

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta * C (oneDNN may leave C untouched)
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0 ? 0.0f : beta * c[i * ldc + j];
    return;
  }
  const ThreadLimit limit(m * n * k < kParallelMinMacs ? 1 : get_num_threads());
  const dnnl_status_t status = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a, lda, b, ldb,
                                          beta, c, ldc);
  if (status != dnnl_success) throw std::runtime_error("dnnl_sgemm failed with status " + std::to_string(status));
}

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
          std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i) {
    double* crow = c + i * ldc;
    for (std::int64_t j = 0; j < n; ++j) crow[j] = beta == 0 ? 0.0 : beta * crow[j];
    for (std::int64_t p = 0; p < k; ++p) {
      const double aip = alpha * (trans_a ? a[p * lda + i] : a[i * lda + p]);
      if (trans_b) {
        for (std::int64_t j = 0; j < n; ++j) crow[j] += aip * b[j * ldb + p];
      } else {
        const double* brow = b + p * ldb;
        for (std::int64_t j = 0; j < n; ++j) crow[j] += aip * brow[j];
      }
    }
  }
}

const char* gemm_backend() { return "oneDNN sgemm (float32), reference loop (float64)"; }

}  // namespace tapegrad::kernels
