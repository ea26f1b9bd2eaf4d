#include "threads.hpp"

#include <omp.h>

#include <stdexcept>
#include <string>

namespace tapegrad {

void set_num_threads(int threads) {
  if (threads < 1) throw std::invalid_argument("set_num_threads: expected at least 1 thread, got " + std::to_string(threads));
  omp_set_num_threads(threads);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace tapegrad
