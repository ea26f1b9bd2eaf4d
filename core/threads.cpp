#include "threads.hpp"

#include <omp.h>

#include <atomic>
#include <stdexcept>
#include <string>

namespace tapegrad {

namespace {
std::atomic<int> configured_threads{0};  // 0: OpenMP's default
}  // namespace

void set_num_threads(int threads) {
  if (threads < 1) throw std::invalid_argument("set_num_threads: expected at least 1 thread, got " + std::to_string(threads));
  configured_threads = threads;
  omp_set_num_threads(threads);
}

int get_num_threads() {
  const int configured = configured_threads.load();
  return configured > 0 ? configured : omp_get_max_threads();
}

detail::FixedThreadCount::FixedThreadCount() : was_dynamic_(omp_get_dynamic() != 0) {
  if (was_dynamic_) omp_set_dynamic(0);
}
detail::FixedThreadCount::~FixedThreadCount() {
  if (was_dynamic_) omp_set_dynamic(1);
}

}  // namespace tapegrad
