// Counts heap allocations made by the whole process (every thread, every library), for the trainer
// benchmark. Linking alloc_counter.cpp into an executable interposes glibc's malloc family
// (malloc, calloc, realloc, aligned_alloc, posix_memalign, memalign, valloc, pvalloc) with counting
// wrappers around glibc's own __libc_* functions. Counting at this level rather than in a replaced
// operator new also catches the library's direct std::aligned_alloc calls (tensor storage) and
// allocations inside oneDNN and the OpenMP runtime; operator new itself lands in malloc.
#pragma once

#include <cstdint>

namespace alloc_counter {

struct Snapshot {
  std::uint64_t allocations = 0;  // successful-or-not calls that ask for memory
  std::uint64_t bytes = 0;        // bytes asked for by those calls
};

Snapshot now();

}  // namespace alloc_counter
