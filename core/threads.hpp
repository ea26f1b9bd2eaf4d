// How many threads tapegrad's parallel kernels (GEMM, the SGD update) use: one runtime (OpenMP, the
// one oneDNN uses). The setting is process-wide: every thread's kernels use it. Two user threads
// training at once each use that many, so set it to cores / user threads to avoid oversubscription.
#pragma once

namespace tapegrad {

void set_num_threads(int threads);  // threads >= 1; default: OpenMP's (OMP_NUM_THREADS or the cores)
int get_num_threads();

}  // namespace tapegrad
