// The one GEMM entry point every matrix product goes through (matmul, linear and their backward).
// Row-major: C = alpha * op(A) * op(B) + beta * C, op(X) = X or Xᵀ; A is MxK after op, B is KxN.
#pragma once

#include <cstdint>

namespace tapegrad::kernels {

void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, float alpha, const float* a,
          std::int64_t lda, const float* b, std::int64_t ldb, float beta, float* c, std::int64_t ldc);
void gemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k, double alpha, const double* a,
          std::int64_t lda, const double* b, std::int64_t ldb, double beta, double* c, std::int64_t ldc);

// Name of the implementation in use, for benchmarks and diagnostics.
const char* gemm_backend();

}  // namespace tapegrad::kernels
