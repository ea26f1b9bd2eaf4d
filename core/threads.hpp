// How many threads tapegrad's parallel kernels (GEMM) use. One runtime (OpenMP, shared with
// oneDNN), so setting it here never oversubscribes the cores.
#pragma once

namespace tapegrad {

void set_num_threads(int threads);  // threads >= 1
int get_num_threads();

}  // namespace tapegrad
