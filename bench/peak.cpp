#include "peak.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace tapegrad::bench {

namespace {

FmaLoop loop_for(Isa isa) {
  switch (isa) {
#if defined(TAPEGRAD_ISA_BUILT_AVX512)
    case Isa::avx512: return avx512::fma_loop();
#endif
#if defined(TAPEGRAD_ISA_BUILT_AVX2)
    case Isa::avx2: return avx2::fma_loop();
#endif
#if defined(TAPEGRAD_ISA_BUILT_SSE2)
    case Isa::sse2:
    case Isa::scalar: return sse2::fma_loop();
#endif
    default: throw std::invalid_argument(std::string("peak meter: no FMA loop for ") + isa_name(isa) + " in this build");
  }
}

using Clock = std::chrono::steady_clock;
std::atomic<float> sink{0};  // keeps every loop's result alive

// GFLOP/s of `threads` threads each running `rounds` rounds, timed from a common start.
double run_threads(const FmaLoop& loop, int threads, std::int64_t rounds) {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      ++ready;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      sink.store(loop.run(rounds), std::memory_order_relaxed);
    });
  while (ready.load() < threads) std::this_thread::yield();
  const auto start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& th : pool) th.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return static_cast<double>(loop.flops_per_round) * static_cast<double>(rounds) * threads / seconds * 1e-9;
}

double best_of(const FmaLoop& loop, int threads, int repetitions, double seconds) {
  // Rounds for about `seconds` on one thread, from a short calibration run.
  const std::int64_t probe = 1 << 16;
  const auto start = Clock::now();
  sink.store(loop.run(probe));
  const double probe_seconds = std::max(std::chrono::duration<double>(Clock::now() - start).count(), 1e-6);
  const auto rounds = std::max<std::int64_t>(probe, static_cast<std::int64_t>(probe * seconds / probe_seconds));
  double best = 0;
  for (int r = 0; r < repetitions; ++r) best = std::max(best, run_threads(loop, threads, rounds));
  return best;
}

}  // namespace

Peak measure_peak(Isa isa, int threads, int repetitions, double seconds) {
  const FmaLoop loop = loop_for(isa);
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  Peak p{isa == Isa::scalar ? Isa::sse2 : isa, threads, 0, 0};
  p.one_core_gflops = best_of(loop, 1, repetitions, seconds);
  p.all_cores_gflops = threads == 1 ? p.one_core_gflops : best_of(loop, threads, repetitions, seconds);
  return p;
}

const Peak& machine_peak() {
  static const Peak peak = measure_peak(cpu_capabilities().active);
  return peak;
}

}  // namespace tapegrad::bench
