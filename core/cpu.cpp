#include "cpu.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace tapegrad {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::scalar: return "scalar";
    case Isa::sse2: return "sse2";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

namespace {

// The sets this build carries kernels for (TAPEGRAD_ISA_BUILT_* come from cmake/TapegradIsa.cmake).
bool built(Isa isa) {
  switch (isa) {
    case Isa::scalar: return true;
#if defined(TAPEGRAD_ISA_BUILT_SSE2)
    case Isa::sse2: return true;
#endif
#if defined(TAPEGRAD_ISA_BUILT_AVX2)
    case Isa::avx2: return true;
#endif
#if defined(TAPEGRAD_ISA_BUILT_AVX512)
    case Isa::avx512: return true;
#endif
    default: return false;
  }
}

// Whether the CPU (and the OS, which must save the wider registers) runs a set. GCC's and Clang's
// __builtin_cpu_supports check the OS's XSAVE state for AVX and AVX-512, not only CPUID.
bool cpu_runs(Isa isa) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (isa) {
    case Isa::scalar: return true;
    case Isa::sse2: return __builtin_cpu_supports("sse2");
    case Isa::avx2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case Isa::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
             __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl") && cpu_runs(Isa::avx2);
  }
  return false;
#else
  return isa == Isa::scalar;
#endif
}

std::string brand_string() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned regs[12] = {};
  if (__get_cpuid_max(0x80000000u, nullptr) >= 0x80000004u) {
    for (unsigned i = 0; i < 3; ++i) __get_cpuid(0x80000002u + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    char text[sizeof regs + 1] = {};
    std::memcpy(text, regs, sizeof regs);
    std::string s(text);
    const auto first = s.find_first_not_of(' '), last = s.find_last_not_of(' ');
    if (first != std::string::npos) return s.substr(first, last - first + 1);
  }
#endif
  return "unknown";
}

CpuCapabilities detect() {
  CpuCapabilities c;
  c.cpu = brand_string();
  for (Isa isa : {Isa::scalar, Isa::sse2, Isa::avx2, Isa::avx512}) {
    if (!cpu_runs(isa)) continue;
    c.supported.push_back(isa);
    if (built(isa)) c.available.push_back(isa);
  }
  c.best = c.available.back();
  const char* requested = std::getenv("TAPEGRAD_ISA");
  c.active = detail::choose_isa(requested, c.available);
  c.forced = requested && *requested;
#if defined(TAPEGRAD_NATIVE_BUILD)
  c.native_build = true;
#endif
  return c;
}

std::string names(const std::vector<Isa>& sets) {
  std::string s;
  for (Isa isa : sets) {
    if (!s.empty()) s += ' ';
    s += isa_name(isa);
  }
  return s;
}

}  // namespace

Isa detail::choose_isa(const char* requested, const std::vector<Isa>& available) {
  if (!requested || !*requested) return available.back();
  for (Isa isa : {Isa::scalar, Isa::sse2, Isa::avx2, Isa::avx512}) {
    if (std::strcmp(requested, isa_name(isa)) != 0) continue;
    if (std::find(available.begin(), available.end(), isa) == available.end())
      throw std::runtime_error("TAPEGRAD_ISA=" + std::string(requested) + ": this CPU or build does not run " +
                               requested + " kernels (available: " + names(available) + ")");
    return isa;
  }
  throw std::runtime_error("TAPEGRAD_ISA=" + std::string(requested) +
                           ": unknown instruction set (expected one of: scalar sse2 avx2 avx512)");
}

std::string CpuCapabilities::to_string() const {
  std::string s = "CPU: " + cpu + "; kernels: " + isa_name(active) + " (";
  if (forced) s += "forced by TAPEGRAD_ISA; ";
  s += "available: " + names(available);
  std::vector<Isa> not_built;
  for (Isa isa : supported)
    if (std::find(available.begin(), available.end(), isa) == available.end()) not_built.push_back(isa);
  if (!not_built.empty()) s += "; the CPU also runs " + names(not_built) + ", not in this build";
  return s + (native_build ? "; -march=native build)" : "; portable build)");
}

const CpuCapabilities& cpu_capabilities() {
  static const CpuCapabilities capabilities = detect();
  return capabilities;
}

}  // namespace tapegrad
