// Which instruction set tapegrad's SIMD kernels run on. One portable build carries the kernels for
// several instruction sets (each compiled with its own flags, see cmake/TapegradIsa.cmake); the best
// one the CPU supports is chosen once, on first use, unless TAPEGRAD_ISA forces a lower one.
//
//   TAPEGRAD_ISA=scalar|sse2|avx2|avx512   run the kernels of that set (for tests and benchmarks);
//                                          one the CPU or the build lacks is an error on first use.
#pragma once

#include <string>
#include <vector>

namespace tapegrad {

// Kernel instruction sets, lowest first. avx2 means AVX2 + FMA; avx512 means AVX-512 F/CD/DQ/BW/VL.
// scalar is the plain C++ twin of every kernel (the test oracle), available everywhere.
enum class Isa { scalar, sse2, avx2, avx512 };

const char* isa_name(Isa isa);  // "scalar", "sse2", "avx2", "avx512"

struct CpuCapabilities {
  std::string cpu;              // the CPU's brand string ("AMD EPYC ..."), "unknown" if it has none
  Isa active = Isa::scalar;     // the kernels in use
  Isa best = Isa::scalar;       // the best set this CPU runs and this build carries
  std::vector<Isa> available;   // every set this CPU runs and this build carries, lowest first
  std::vector<Isa> supported;   // every set the CPU runs, built or not
  bool forced = false;          // active was chosen by TAPEGRAD_ISA
  bool native_build = false;    // the rest of the library was compiled with -march=native
  // One line: "CPU: <cpu>; kernels: avx512 (available: scalar sse2 avx2 avx512; portable build)".
  std::string to_string() const;
};

// Detected once (the first call), then constant. Throws std::runtime_error on the first call if
// TAPEGRAD_ISA names an unknown set or one that is not available.
const CpuCapabilities& cpu_capabilities();

namespace detail {
// The set to run given TAPEGRAD_ISA's value (nullptr or "" when unset) and the available sets
// (lowest first, non-empty): the best one, or the one asked for. Exposed for tests.
Isa choose_isa(const char* requested, const std::vector<Isa>& available);
}  // namespace detail

}  // namespace tapegrad
