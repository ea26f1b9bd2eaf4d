// The xsimd architecture of the instruction set a per-ISA translation unit is compiled for. Those
// units (core/kernels/*_simd.cpp, bench/peak_fma_simd.cpp) are built once per set by
// tapegrad_add_isa_objects (cmake/TapegradIsa.cmake), with TAPEGRAD_ISA_NS=<set> and its flags; they
// put everything they define in a namespace named TAPEGRAD_ISA_NS or an anonymous one, so no copy
// compiled for a wide set can stand in for another's at link time (scripts/check-isa-symbols.sh,
// run by ctest, checks it).
#pragma once

// GCC 12.2 flags _mm512_undefined_* inside its own AVX-512 headers as uninitialised once inlined
// (GCC bug 105593, fixed in 12.3); the pragmas cover the header's locations only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <xsimd/xsimd.hpp>
#pragma GCC diagnostic pop

#if !defined(TAPEGRAD_ISA_NS)
#error "per-ISA sources are compiled through tapegrad_add_isa_objects (cmake/TapegradIsa.cmake)"
#endif

namespace tapegrad::isa {
#if defined(TAPEGRAD_ISA_AVX512)
using Arch = xsimd::avx512bw;
#elif defined(TAPEGRAD_ISA_AVX2)
using Arch = xsimd::fma3<xsimd::avx2>;
#elif defined(TAPEGRAD_ISA_SSE2)
using Arch = xsimd::sse2;
#else
#error "unknown TAPEGRAD_ISA_NS"
#endif
static_assert(Arch::supported(), "this unit was compiled without its instruction set's flags");
}  // namespace tapegrad::isa
