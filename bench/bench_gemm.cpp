// Every GEMM of the seed network's training step (784-512-256-128-64-10, batch 64, float32) through
// the library's one GEMM entry point, kernels::gemm, at 1 and 2 threads, in GFLOP/s.
//
// Names: gemm/<kind>/<layer in>x<out>/threads:<t>, where for a layer with weight W (out, in), input x
// (64, in) and output gradient g (64, out):
//   fwd  y  = x · Wᵀ   M=64,  N=out, K=in
//   dX   dx = g · W    M=64,  N=in,  K=out   (not needed for the first layer in training; measured anyway)
//   dW   dW = gᵀ · x   M=out, N=in,  K=64
// and gemm/step/threads:<t> runs the 14 GEMMs one training step needs (all but the first layer's dX),
// 2.64 MFLOP per sample: GFLOP/s of that case / 2.64e-3 = the training step's GEMM-only limit in
// samples/s. sgemm/step/threads:<t> runs the same 14 through oneDNN's dnnl_sgemm directly (the
// library's backend before the matmul primitive), so the two can be compared in one run.
#include <benchmark/benchmark.h>
#include <omp.h>
#include <oneapi/dnnl/dnnl.h>
#include <tapegrad/core/kernels/gemm.hpp>
#include <tapegrad/tapegrad.hpp>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "peak.hpp"

namespace {

namespace kernels = tapegrad::kernels;

constexpr std::int64_t kBatch = 64;
constexpr std::array<std::int64_t, 6> kWidths = {784, 512, 256, 128, 64, 10};
constexpr std::size_t kLayers = kWidths.size() - 1;

enum class Kind { kForward, kInputGrad, kWeightGrad };
const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kForward: return "fwd";
    case Kind::kInputGrad: return "dX";
    case Kind::kWeightGrad: return "dW";
  }
  return "?";
}

std::vector<float> random_floats(std::size_t n, unsigned seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = uniform(engine);
  return v;
}

// The operands of one layer's three GEMMs, filled with random values once.
struct LayerBuffers {
  std::int64_t in, out;
  std::vector<float> x, w, g, y, dx, dw;
  LayerBuffers(std::int64_t in_features, std::int64_t out_features)
      : in(in_features), out(out_features),
        x(random_floats(static_cast<std::size_t>(kBatch * in), 1)),
        w(random_floats(static_cast<std::size_t>(out * in), 2)),
        g(random_floats(static_cast<std::size_t>(kBatch * out), 3)),
        y(static_cast<std::size_t>(kBatch * out)),
        dx(static_cast<std::size_t>(kBatch * in)),
        dw(static_cast<std::size_t>(out * in)) {}

  // Runs one GEMM and returns its FLOP count (2·M·N·K).
  double run(Kind kind, bool via_sgemm = false) {
    if (via_sgemm) return run_sgemm(kind);
    switch (kind) {
      case Kind::kForward:
        kernels::gemm(false, true, kBatch, out, in, 1.0f, x.data(), in, w.data(), in, 0.0f, y.data(), out);
        return 2.0 * kBatch * out * in;
      case Kind::kInputGrad:
        kernels::gemm(false, false, kBatch, in, out, 1.0f, g.data(), out, w.data(), in, 0.0f, dx.data(), in);
        return 2.0 * kBatch * in * out;
      case Kind::kWeightGrad:
        kernels::gemm(true, false, out, in, kBatch, 1.0f, g.data(), out, x.data(), in, 0.0f, dw.data(), in);
        return 2.0 * out * in * kBatch;
    }
    return 0;
  }

  // The same products through dnnl_sgemm (threads: OpenMP's setting, as set_num_threads leaves it).
  double run_sgemm(Kind kind) {
    switch (kind) {
      case Kind::kForward:
        dnnl_sgemm('N', 'T', kBatch, out, in, 1.0f, x.data(), in, w.data(), in, 0.0f, y.data(), out);
        return 2.0 * kBatch * out * in;
      case Kind::kInputGrad:
        dnnl_sgemm('N', 'N', kBatch, in, out, 1.0f, g.data(), out, w.data(), in, 0.0f, dx.data(), in);
        return 2.0 * kBatch * in * out;
      case Kind::kWeightGrad:
        dnnl_sgemm('T', 'N', out, in, kBatch, 1.0f, g.data(), out, x.data(), in, 0.0f, dw.data(), in);
        return 2.0 * out * in * kBatch;
    }
    return 0;
  }
};

std::vector<LayerBuffers>& network() {
  static std::vector<LayerBuffers> layers = [] {
    std::vector<LayerBuffers> v;
    for (std::size_t l = 0; l < kLayers; ++l) v.emplace_back(kWidths[l], kWidths[l + 1]);
    return v;
  }();
  return layers;
}

void set_gflops(benchmark::State& state, double flop_per_iteration, int threads) {
  // kIsIterationInvariantRate: flop_per_iteration · iterations / (wall) seconds.
  state.counters["GFLOP"] =
      benchmark::Counter(flop_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  // The same rate as a fraction of the FMA peak (peak.hpp) on as many threads.
  const tapegrad::bench::Peak& peak = tapegrad::bench::machine_peak();
  const double peak_gflops = threads == 1 ? peak.one_core_gflops : peak.all_cores_gflops * threads / peak.threads;
  state.counters["of_peak"] =
      benchmark::Counter(flop_per_iteration * 1e-9 / peak_gflops, benchmark::Counter::kIsIterationInvariantRate);
}

void bm_layer_gemm(benchmark::State& state, std::size_t layer, Kind kind, int threads) {
  tapegrad::set_num_threads(threads);
  LayerBuffers& buffers = network()[layer];
  double flop = 0;
  for (auto _ : state) {
    flop = buffers.run(kind);
    benchmark::ClobberMemory();
  }
  set_gflops(state, flop, threads);
}

void bm_training_step_gemms(benchmark::State& state, int threads, bool via_sgemm) {
  tapegrad::set_num_threads(threads);
  omp_set_num_threads(threads);
  auto& layers = network();
  double flop = 0;
  for (auto _ : state) {
    flop = 0;
    for (std::size_t l = 0; l < kLayers; ++l) flop += layers[l].run(Kind::kForward, via_sgemm);
    for (std::size_t l = kLayers; l-- > 0;) {
      flop += layers[l].run(Kind::kWeightGrad, via_sgemm);
      if (l > 0) flop += layers[l].run(Kind::kInputGrad, via_sgemm);  // the input needs no gradient
    }
    benchmark::ClobberMemory();
  }
  set_gflops(state, flop, threads);
  state.counters["MFLOP/sample"] = flop / kBatch * 1e-6;
  state.counters["GEMM-only samples"] =
      benchmark::Counter(static_cast<double>(kBatch), benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  for (int threads : {1, 2}) {
    for (Kind kind : {Kind::kForward, Kind::kInputGrad, Kind::kWeightGrad}) {
      for (std::size_t l = 0; l < kLayers; ++l) {
        const std::string name = std::string("gemm/") + kind_name(kind) + "/" + std::to_string(kWidths[l]) + "x" +
                                 std::to_string(kWidths[l + 1]) + "/threads:" + std::to_string(threads);
        // Wall time: with 2 threads the main thread's CPU time would miss the worker's share.
        benchmark::RegisterBenchmark(name.c_str(), bm_layer_gemm, l, kind, threads)->UseRealTime();
      }
    }
    for (const bool via_sgemm : {false, true}) {
      const std::string name = std::string(via_sgemm ? "sgemm" : "gemm") + "/step/threads:" + std::to_string(threads);
      benchmark::RegisterBenchmark(name.c_str(), bm_training_step_gemms, threads, via_sgemm)->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("gemm_backend", kernels::gemm_backend());
  benchmark::AddCustomContext("default_threads", std::to_string(tapegrad::get_num_threads()));
  const tapegrad::bench::Peak& peak = tapegrad::bench::machine_peak();
  benchmark::AddCustomContext("cpu", tapegrad::cpu_capabilities().to_string());
  benchmark::AddCustomContext("fma_peak_gflops", std::to_string(peak.one_core_gflops) + " (1 thread), " +
                                                     std::to_string(peak.all_cores_gflops) + " (" +
                                                     std::to_string(peak.threads) + " threads)");
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
