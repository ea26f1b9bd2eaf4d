// A portable peak meter: this machine's fused multiply-add peak in GFLOP/s, on one core and on all,
// for one instruction set (the one the kernels run by default), so benchmarks can print their
// results as a fraction of it. bench_peak prints it; train_mnist_bench uses it.
#pragma once

#include <cstdint>

#include <tapegrad/core/cpu.hpp>

namespace tapegrad::bench {

// One instruction set's FMA loop: run(rounds) does rounds·flops_per_round FLOPs and returns a sum of
// its accumulators.
struct FmaLoop {
  int flops_per_round;
  float (*run)(std::int64_t rounds);
};
namespace sse2 { FmaLoop fma_loop(); }
namespace avx2 { FmaLoop fma_loop(); }
namespace avx512 { FmaLoop fma_loop(); }

struct Peak {
  Isa isa;                  // the loop's instruction set (sse2 stands in for scalar)
  int threads;              // threads of the all-core figure
  double one_core_gflops;   // best of the repetitions, one thread
  double all_cores_gflops;  // best of the repetitions, `threads` threads at once
};

// Measures the peak of `isa` (an available set; scalar measures sse2): `repetitions` runs of about
// `seconds` each per figure, the best kept; threads = 0 means std::thread::hardware_concurrency().
Peak measure_peak(Isa isa, int threads = 0, int repetitions = 5, double seconds = 0.1);
// The peak of the active set, measured on the first call (about a second) and kept.
const Peak& machine_peak();

}  // namespace tapegrad::bench
