// The FMA loop of the peak meter (peak.hpp), compiled once per instruction set like the kernels
// (tapegrad_add_isa_objects): independent accumulators, each updated by one fused multiply-add per
// round, enough of them to cover the FMA latency times the FMA units (4 cycles x 2 units on current
// x86 cores needs 8; AVX-512 has 32 registers, the others 16). SSE2 has no FMA: xsimd's fma is then
// a multiply and an add, which is that set's peak.
#include <cstdint>
#include <utility>

#include <tapegrad/core/kernels/isa_arch.hpp>

#include "peak.hpp"

namespace tapegrad::bench::TAPEGRAD_ISA_NS {

namespace {

using B = xsimd::batch<float, isa::Arch>;
constexpr int kAccumulators = B::size == 16 ? 24 : 12;

// The accumulators are a pack (every index a constant), so the compiler keeps them in registers; a
// loop over an array left them in memory, one load and store per FMA.
template <std::size_t... I> float run(std::int64_t rounds, std::index_sequence<I...>) {
  B acc[] = {B(1.0f + 0.001f * static_cast<float>(I))...};
  // x·a + b with a just below 1 stays near b / (1 - a): no overflow, no denormals.
  const B a(0.9999f), b(1e-4f);
  for (std::int64_t r = 0; r < rounds; ++r) ((acc[I] = xsimd::fma(acc[I], a, b)), ...);
  return xsimd::hadd((acc[I] + ...));  // used by the caller, so the loop is kept
}

float run_all(std::int64_t rounds) { return run(rounds, std::make_index_sequence<kAccumulators>{}); }

}  // namespace

FmaLoop fma_loop() { return {static_cast<int>(B::size) * kAccumulators * 2, &run_all}; }

}  // namespace tapegrad::bench::TAPEGRAD_ISA_NS
