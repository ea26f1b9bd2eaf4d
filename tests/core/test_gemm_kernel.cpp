// kernels::gemm, the one GEMM entry point, against a float64 reference on every transpose combination,
// alpha and beta, padded leading dimensions, one and two threads. The products are above the
// multi-threading threshold (1M multiply-adds), so on two threads they take oneDNN's matmul primitive
// where it has a brgemm kernel (AVX-512) and sgemm elsewhere; ctest runs this file again with oneDNN
// held to AVX2 (gemm_kernel_without_avx512), so both paths are checked on an AVX-512 machine.
#include <catch2/catch.hpp>
#include <tapegrad/core/kernels/gemm.hpp>
#include <tapegrad/tapegrad.hpp>

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "../support/pinned_thread.hpp"

namespace tg = tapegrad;

namespace {

struct Product {
  bool ta, tb;
  std::int64_t m, n, k;
  float alpha, beta;
  std::int64_t padding;  // extra columns of every stored matrix (oneDNN's brgemm takes dense ones only)
};

// op(A) is m x k, op(B) is k x n. How many elements of C (padding included) are not what they should be.
int wrong_elements(const Product& p) {
  const std::int64_t a_rows = p.ta ? p.k : p.m, a_cols = p.ta ? p.m : p.k;
  const std::int64_t b_rows = p.tb ? p.n : p.k, b_cols = p.tb ? p.k : p.n;
  const std::int64_t lda = a_cols + p.padding, ldb = b_cols + p.padding, ldc = p.n + p.padding;
  std::mt19937 engine(static_cast<unsigned>(p.m * 7 + p.ta * 2 + p.tb));
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> a(static_cast<std::size_t>(a_rows * lda)), b(static_cast<std::size_t>(b_rows * ldb)),
      c(static_cast<std::size_t>(p.m * ldc));
  for (float& v : a) v = uniform(engine);
  for (float& v : b) v = uniform(engine);
  for (float& v : c) v = uniform(engine);
  const float kPadding = -12345.0f;
  for (std::int64_t i = 0; i < p.m; ++i)
    for (std::int64_t j = p.n; j < ldc; ++j) c[static_cast<std::size_t>(i * ldc + j)] = kPadding;
  // With beta 0, C is never read: a NaN in it must not reach the result (BLAS and PyTorch semantics).
  if (p.beta == 0) c[0] = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> c_before = c;

  tg::kernels::gemm(p.ta, p.tb, p.m, p.n, p.k, p.alpha, a.data(), lda, b.data(), ldb, p.beta, c.data(), ldc);

  const auto at = [&](std::int64_t i, std::int64_t l) { return double(a[static_cast<std::size_t>(p.ta ? l * lda + i : i * lda + l)]); };
  const auto bt = [&](std::int64_t l, std::int64_t j) { return double(b[static_cast<std::size_t>(p.tb ? j * ldb + l : l * ldb + j)]); };
  int wrong = 0;
  for (std::int64_t i = 0; i < p.m; ++i) {
    for (std::int64_t j = 0; j < p.n; ++j) {
      double sum = 0;
      for (std::int64_t l = 0; l < p.k; ++l) sum += at(i, l) * bt(l, j);
      const double before = c_before[static_cast<std::size_t>(i * ldc + j)];
      const double expected = p.alpha * sum + (p.beta == 0 ? 0.0 : p.beta * before);
      const double got = c[static_cast<std::size_t>(i * ldc + j)];
      if (!(std::fabs(got - expected) <= 1e-4 * (1 + std::fabs(expected)))) ++wrong;
    }
    for (std::int64_t j = p.n; j < ldc; ++j) wrong += c[static_cast<std::size_t>(i * ldc + j)] != kPadding;
  }
  return wrong;
}

void check_product(const Product& p) {
  const int wrong = wrong_elements(p);
  INFO("ta " << p.ta << " tb " << p.tb << " m " << p.m << " n " << p.n << " k " << p.k << " alpha " << p.alpha
             << " beta " << p.beta << " padding " << p.padding << " threads " << tg::get_num_threads());
  CHECK(wrong == 0);
}

}  // namespace

TEST_CASE("kernels::gemm: every transpose, alpha and beta, dense and padded strides, 1 and 2 threads", "[core]") {
  const int before = tg::get_num_threads();
  for (const int threads : {1, 2}) {
    tg::set_num_threads(threads);
    for (const bool ta : {false, true})
      for (const bool tb : {false, true})
        for (const auto& [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{1.0f, 1.0f}, std::pair{0.5f, -2.0f}})
          for (const std::int64_t padding : {0, 3}) {
            check_product({ta, tb, 131, 97, 89, alpha, beta, padding});  // 1.13M multiply-adds: the parallel path
            check_product({ta, tb, 64, 10, 64, alpha, beta, padding});   // a small one: always one thread
          }
  }
  tg::set_num_threads(before);
}

TEST_CASE("kernels::gemm: a product gives the same bits every call, whatever ran before", "[core]") {
  // The kernel chosen depends on the product alone, so a run does not change with its history (an
  // earlier version counted calls and switched kernels after a few: resumed runs then differed).
  const int before = tg::get_num_threads();
  tg::set_num_threads(2);
  const std::int64_t m = 64, n = 256, k = 512;
  std::vector<float> a(static_cast<std::size_t>(m * k)), b(static_cast<std::size_t>(n * k));
  std::mt19937 engine(5);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& v : a) v = uniform(engine);
  for (float& v : b) v = uniform(engine);
  const auto product = [&] {
    std::vector<float> c(static_cast<std::size_t>(m * n));
    tg::kernels::gemm(false, true, m, n, k, 1.0f, a.data(), k, b.data(), k, 0.0f, c.data(), n);
    return c;
  };
  const std::vector<float> first = product();
  // Other products in between: other shapes, transposes and betas, more than the 256 a thread keeps.
  std::vector<float> scratch(static_cast<std::size_t>(m * n));
  for (std::int64_t rows = 1; rows <= 300; ++rows)
    tg::kernels::gemm(false, rows % 2 == 1, std::min<std::int64_t>(rows, m), 128, 256, 1.0f, a.data(), k, b.data(),
                      rows % 2 == 1 ? k : 128, rows % 3 == 0 ? 1.0f : 0.0f, scratch.data(), 128);
  for (int call = 0; call < 12; ++call) CHECK(product() == first);
  tg::set_num_threads(before);
}

TEST_CASE("kernels::gemm: alpha 0 adds nothing, even where A holds inf or NaN (BLAS semantics)", "[core]") {
  const int before = tg::get_num_threads();
  for (const int threads : {1, 2}) {
    tg::set_num_threads(threads);
    const std::int64_t m = 64, n = 512, k = 784;  // 25.7M multiply-adds: the parallel path on two threads
    std::vector<float> a(static_cast<std::size_t>(m * k), 1.0f), b(static_cast<std::size_t>(k * n), 1.0f);
    a[0] = std::numeric_limits<float>::infinity();
    a[1] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> c(static_cast<std::size_t>(m * n), 3.0f);
    tg::kernels::gemm(false, false, m, n, k, 0.0f, a.data(), k, b.data(), n, 2.0f, c.data(), n);
    INFO("threads " << threads);
    CHECK(std::all_of(c.begin(), c.end(), [](float v) { return v == 6.0f; }));
  }
  tg::set_num_threads(before);
}

TEST_CASE("kernels::gemm: right on a user's thread in OpenMP's dynamic mode (OMP_DYNAMIC=true)", "[core]") {
  // Dynamic mode lets OpenMP run a region on fewer threads than oneDNN asked for, and oneDNN then
  // computed only the parts of the threads it got (a third of a product wrong, NaN losses). The
  // setting is per thread: here a std::thread turns it on for itself, whatever the main thread has.
  const int before = tg::get_num_threads();
  tg::set_num_threads(2);
  int wrong = 0;
  bool still_dynamic = false;
  support::run_on_pinned_thread([&] {
    omp_set_dynamic(1);
    for (const bool ta : {false, true})
      for (const bool tb : {false, true}) {
        wrong += wrong_elements({ta, tb, 131, 97, 89, 1.0f, 0.0f, 0});
        wrong += wrong_elements({ta, tb, 64, 512, 784, 1.0f, 1.0f, 0});  // a seed-network product
      }
    still_dynamic = omp_get_dynamic() != 0;  // the thread's own setting is left as it was
  });
  tg::set_num_threads(before);
  CHECK(wrong == 0);
  CHECK(still_dynamic);
}
