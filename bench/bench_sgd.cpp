// The optimizer's share of a training step over the seed network's parameters (784-512-256-128-64-10:
// 575,050 floats in 10 tensors): SGD(lr 0.01, momentum 0.5).step() and zero_grad(), in GB/s of the
// memory the update must touch and ns per step.
//
//   sgd/step/threads:<t>       optimizer.step(): reads p, g, buf, writes p, buf (20 bytes per parameter)
//   sgd/zero_grad/threads:<t>  optimizer.zero_grad(): writes g (4 bytes per parameter)
//   sgd/reference_loop         the same momentum update as a plain loop over one flat array of the same
//                              size, compiled with the benchmarks' flags: what the memory system allows
#include <benchmark/benchmark.h>
#include <tapegrad/tapegrad.hpp>

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

// A model whose parameters all have a (small random) gradient, and an optimizer that has already
// stepped once, so the momentum buffers exist and every timed step is a steady-state one.
struct Setup {
  nn::Sequential model = make_model();
  std::vector<tg::Tensor> params = model.parameters();
  tg::optim::SGD optimizer{params, tg::optim::SGDOptions(0.01).momentum(0.5)};
  Setup() {
    for (tg::Tensor& p : params) p.set_grad(tg::randn(p.shape()) * 1e-3);
    optimizer.step();
  }
};

void set_bytes(benchmark::State& state, double bytes_per_iteration) {
  state.counters["GB"] = benchmark::Counter(bytes_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void bm_step(benchmark::State& state, int threads) {
  tg::set_num_threads(threads);
  Setup s;
  for (auto _ : state) s.optimizer.step();
  const std::int64_t n = parameter_count(s.params);
  state.counters["params"] = static_cast<double>(n);
  set_bytes(state, 20.0 * static_cast<double>(n));
}

void bm_zero_grad(benchmark::State& state, int threads) {
  tg::set_num_threads(threads);
  Setup s;
  for (auto _ : state) s.optimizer.zero_grad();
  set_bytes(state, 4.0 * static_cast<double>(parameter_count(s.params)));
}

void bm_reference_loop(benchmark::State& state) {
  const std::size_t n = static_cast<std::size_t>(parameter_count(make_model().parameters()));
  std::vector<float> p(n, 0.5f), g(n, 1e-3f), buf(n, 0.0f);
  const float lr = 0.01f, momentum = 0.5f;
  for (auto _ : state) {
    float* __restrict pp = p.data();
    const float* __restrict gp = g.data();
    float* __restrict bp = buf.data();
    for (std::size_t i = 0; i < n; ++i) {
      bp[i] = momentum * bp[i] + gp[i];
      pp[i] -= lr * bp[i];
    }
    benchmark::ClobberMemory();
  }
  set_bytes(state, 20.0 * static_cast<double>(n));
}

void register_all() {
  for (int threads : {1, 2}) {
    const std::string t = "/threads:" + std::to_string(threads);
    benchmark::RegisterBenchmark(("sgd/step" + t).c_str(), bm_step, threads)->UseRealTime();
    benchmark::RegisterBenchmark(("sgd/zero_grad" + t).c_str(), bm_zero_grad, threads)->UseRealTime();
  }
  benchmark::RegisterBenchmark("sgd/reference_loop", bm_reference_loop)->UseRealTime();
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
