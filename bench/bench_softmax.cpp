// Softmax-family benchmarks, float32: the xsimd kernels against their scalar twins, and the
// differentiable op (kernel + tape + allocation) for comparison with PyTorch (compare_softmax_pytorch.py).
// Names are <case>/<impl>/<rows>/<cols>; items are logits processed (rows·cols per iteration).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

// GCC 12.2 warns inside its own AVX-512 headers once xsimd's intrinsics are inlined (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

#include <tapegrad/core/kernels/softmax.hpp>
#include <tapegrad/tapegrad.hpp>

namespace k = tapegrad::kernels;
namespace tg = tapegrad;

namespace {

std::vector<float> random_values(std::int64_t n, float lo, float hi, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(static_cast<std::size_t>(n));
  for (float& x : v) x = u(rng);
  return v;
}

std::vector<std::int64_t> random_targets(std::int64_t rows, std::int64_t classes, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int64_t> u(0, classes - 1);
  std::vector<std::int64_t> t(static_cast<std::size_t>(rows));
  for (auto& c : t) c = u(rng);
  return t;
}

void count_items(benchmark::State& state, std::int64_t rows, std::int64_t cols) {
  state.SetItemsProcessed(state.iterations() * rows * cols);
}

using RowsKernel = void (*)(const float*, float*, std::int64_t, std::int64_t);
using RowsBackward = void (*)(const float*, const float*, float*, std::int64_t, std::int64_t);
using CeForward = void (*)(const float*, float*, float*, std::int64_t, std::int64_t, const k::RowTargets<float>&);
using CeBackward = void (*)(const float*, const float*, const float*, float*, std::int64_t, std::int64_t,
                            const k::RowTargets<float>&);

// log_softmax forward, then its backward from an upstream gradient.
void log_softmax_fwd_bwd(benchmark::State& state, RowsKernel forward, RowsBackward backward) {
  const std::int64_t rows = state.range(0), cols = state.range(1), n = rows * cols;
  const auto x = random_values(n, -5, 5, 1), g = random_values(n, -1, 1, 2);
  std::vector<float> y(x.size()), dx(x.size());
  for (auto _ : state) {
    forward(x.data(), y.data(), rows, cols);
    backward(y.data(), g.data(), dx.data(), rows, cols);
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  count_items(state, rows, cols);
}

// Fused cross-entropy (class-index targets) forward, then backward from per-row gradients.
void cross_entropy_fwd_bwd(benchmark::State& state, CeForward forward, CeBackward backward) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  const auto x = random_values(rows * cols, -5, 5, 1);
  const auto target = random_targets(rows, cols, 3);
  const std::vector<float> grad(static_cast<std::size_t>(rows), 1.0f / static_cast<float>(rows));  // mean
  std::vector<float> loss(grad.size()), lse(grad.size()), dx(x.size());
  k::RowTargets<float> args;
  args.index = target.data();
  for (auto _ : state) {
    forward(x.data(), loss.data(), lse.data(), rows, cols, args);
    backward(x.data(), lse.data(), grad.data(), dx.data(), rows, cols, args);
    benchmark::DoNotOptimize(dx.data());
    benchmark::ClobberMemory();
  }
  count_items(state, rows, cols);
}

// The differentiable op as a user calls it: tg::log_softmax then backward (tape, allocation included).
// `dim0` lays the same problem out as (cols, rows) and normalises along dim 0 (the non-last-dim path).
void log_softmax_op_fwd_bwd(benchmark::State& state, bool dim0) {
  const std::int64_t rows = state.range(0), cols = state.range(1);
  const tg::Shape shape = dim0 ? tg::Shape{cols, rows} : tg::Shape{rows, cols};
  tg::Tensor x = tg::from_vector(random_values(rows * cols, -5, 5, 1), shape).requires_grad_();
  const tg::Tensor g = tg::from_vector(random_values(rows * cols, -1, 1, 2), shape);
  for (auto _ : state) {
    x.set_grad({});
    tg::log_softmax(x, dim0 ? 0 : 1).backward(g);
    benchmark::DoNotOptimize(x.grad().raw_data());
  }
  count_items(state, rows, cols);
}

// exp over 1M floats: the kernels' vector exp, xsimd 8.1's exp and std::exp.
void exp_values(benchmark::State& state, void (*f)(const float*, float*, std::int64_t)) {
  const std::int64_t n = state.range(0);
  const auto x = random_values(n, -20, 0, 4);
  std::vector<float> y(x.size());
  for (auto _ : state) {
    f(x.data(), y.data(), n);
    benchmark::DoNotOptimize(y.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void xsimd_exp_values(const float* x, float* y, std::int64_t n) {
  using B = xsimd::batch<float>;
  constexpr std::int64_t w = B::size;
  std::int64_t j = 0;
  for (; j + w <= n; j += w) xsimd::exp(B::load_unaligned(x + j)).store_unaligned(y + j);
  for (; j < n; ++j) y[j] = std::exp(x[j]);
}

void shapes(benchmark::internal::Benchmark* b) {
  b->Args({64, 10})->Args({256, 1000})->Args({4096, 1000})->Args({256, 32000})->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK_CAPTURE(log_softmax_fwd_bwd, simd, &k::log_softmax_rows<float>, &k::log_softmax_backward_rows<float>)
    ->Apply(shapes);
BENCHMARK_CAPTURE(log_softmax_fwd_bwd, scalar, &k::scalar::log_softmax_rows<float>,
                  &k::scalar::log_softmax_backward_rows<float>)
    ->Apply(shapes);
BENCHMARK_CAPTURE(cross_entropy_fwd_bwd, simd, &k::cross_entropy_forward_rows<float>,
                  &k::cross_entropy_backward_rows<float>)
    ->Apply(shapes);
BENCHMARK_CAPTURE(cross_entropy_fwd_bwd, scalar, &k::scalar::cross_entropy_forward_rows<float>,
                  &k::scalar::cross_entropy_backward_rows<float>)
    ->Apply(shapes);
BENCHMARK_CAPTURE(log_softmax_op_fwd_bwd, last_dim, false)->Apply(shapes);
BENCHMARK_CAPTURE(log_softmax_op_fwd_bwd, dim0, true)->Apply(shapes);
BENCHMARK_CAPTURE(exp_values, tapegrad, &k::exp_values<float>)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(exp_values, xsimd, &xsimd_exp_values)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(exp_values, std, &k::scalar::exp_values<float>)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
