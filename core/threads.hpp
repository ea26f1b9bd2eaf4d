// How many threads tapegrad's parallel kernels (GEMM, the SGD update) use: one runtime (OpenMP, the
// one oneDNN uses). The setting is process-wide: every thread's kernels use it. Two user threads
// training at once each use that many, so set it to cores / user threads to avoid oversubscription.
#pragma once

namespace tapegrad {

void set_num_threads(int threads);  // threads >= 1; default: OpenMP's (OMP_NUM_THREADS or the cores)
int get_num_threads();

namespace detail {

// OpenMP's dynamic mode (OMP_DYNAMIC=true, or omp_set_dynamic(1) on a thread) lets the runtime start a
// parallel region on fewer threads than it asks for (libgomp: no more than the cores the thread may
// use minus the load average). oneDNN splits a product for the threads it asked for and computes only
// the parts of the threads it got: wrong products, NaN losses. The convolutions' per-thread partial
// sums would also change with the machine's load. The setting belongs to each thread (a std::thread
// starts from the environment's), so every parallel region of tapegrad and every call into oneDNN
// runs under this guard: dynamic mode off on the calling thread while it lives, the thread's own
// setting restored after. One call into OpenMP when the mode is off.
class FixedThreadCount {
 public:
  FixedThreadCount();
  ~FixedThreadCount();
  FixedThreadCount(const FixedThreadCount&) = delete;
  FixedThreadCount& operator=(const FixedThreadCount&) = delete;

 private:
  bool was_dynamic_;
};

}  // namespace detail

}  // namespace tapegrad
