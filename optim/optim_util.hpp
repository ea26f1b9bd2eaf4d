// Shared by the optimizers' formulas: the element loop and PyTorch's validation messages.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <omp.h>

#include "../core/threads.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim::detail {

// Parameters at least this large are updated by all threads (OpenMP): the update is bound by memory
// bandwidth, which one core does not saturate. Element-wise, so the result is the same.
constexpr std::int64_t kParallelMinElements = std::int64_t{1} << 16;

// Runs body(i) for i in [0, n): vectorised, and split across threads for large n. Each thread runs
// its own copy of body: read through the shared one, every captured constant was a load the stores
// to the arrays might alias, and GCC left the loop scalar ("no vectype for stmt ... .__sign").
template <class F> inline void for_each_element(std::int64_t n, const F& body) {
  const tapegrad::detail::FixedThreadCount fixed;
#pragma omp parallel if (n >= kParallelMinElements) num_threads(get_num_threads())
  {
    const F local = body;
    const std::int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const std::int64_t begin = n * t / threads, end = n * (t + 1) / threads;
#pragma omp simd
    for (std::int64_t i = begin; i < end; ++i) local(i);
  }
}

// PyTorch's `if not 0.0 <= v: raise ValueError("Invalid <what>: v")`; NaN fails too. `as_float`
// prints like a Python float ("1.0") for options that are floats in PyTorch.
inline void check_non_negative(double v, const char* what, bool as_float = false) {
  if (!(v >= 0)) throw std::invalid_argument(std::string("Invalid ") + what + ": " + (as_float ? float_text(v) : number_text(v)));
}

}  // namespace tapegrad::optim::detail
