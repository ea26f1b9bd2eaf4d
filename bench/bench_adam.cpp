// Adam's share of a training step over the seed network's parameters (784-512-256-128-64-10:
// 575,050 floats in 10 tensors), against a plain loop doing the same reads and writes.
//
//   adam/step/threads:<t>   optimizer.step(): reads p, g, exp_avg, exp_avg_sq, writes p, exp_avg,
//                           exp_avg_sq (28 bytes per parameter)
//   adam/reference_loop     the same update as a plain single-threaded loop over one flat array of the
//                           same size, compiled with the benchmarks' flags: what the memory system allows
#include <benchmark/benchmark.h>
#include <tapegrad/tapegrad.hpp>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace {

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

nn::Sequential make_model() {
  return nn::Sequential(nn::Linear(784, 512), nn::ReLU(), nn::Linear(512, 256), nn::ReLU(), nn::Linear(256, 128),
                        nn::ReLU(), nn::Linear(128, 64), nn::ReLU(), nn::Linear(64, 10));
}

std::int64_t parameter_count(const std::vector<tg::Tensor>& params) {
  std::int64_t n = 0;
  for (const tg::Tensor& p : params) n += p.numel();
  return n;
}

void set_bytes(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB"] = benchmark::Counter(bytes_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void bm_step(benchmark::State& state, int threads) {
  tg::set_num_threads(threads);
  nn::Sequential model = make_model();
  auto params = model.parameters();
  tg::optim::Adam optimizer(params, tg::optim::AdamOptions(1e-3));
  for (tg::Tensor& p : params) p.set_grad(tg::randn(p.shape()) * 1e-3);
  optimizer.step();  // state allocated: every timed step is a steady-state one
  for (auto _ : state) optimizer.step();
  const std::int64_t n = parameter_count(params);
  state.counters["params"] = static_cast<double>(n);
  set_bytes(state, 28.0 * static_cast<double>(n));
}

void bm_reference_loop(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(parameter_count(make_model().parameters()));
  std::vector<float> p(n, 0.5f), g(n, 1e-3f), m(n, 0.0f), v(n, 0.0f);
  const float b1 = 0.9f, b2 = 0.999f, step_size = 1e-3f, bc2 = 0.03f, eps = 1e-8f;
  for (auto _ : state) {
    float* __restrict pp = p.data();
    const float* __restrict gp = g.data();
    float* __restrict mp = m.data();
    float* __restrict vp = v.data();
    for (std::size_t i = 0; i < n; ++i) {
      mp[i] = mp[i] * b1 + (1 - b1) * gp[i];
      vp[i] = vp[i] * b2 + (1 - b2) * gp[i] * gp[i];
      pp[i] = pp[i] - step_size * mp[i] / (std::sqrt(vp[i]) / bc2 + eps);
    }
    benchmark::ClobberMemory();
  }
  set_bytes(state, 28.0 * static_cast<double>(n));
}

void register_all() {
  for (int threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(("adam/step" + t).c_str(), bm_step, threads)->UseRealTime();
  }
  benchmark::RegisterBenchmark("adam/reference_loop", bm_reference_loop)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
