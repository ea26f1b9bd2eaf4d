// Views and batched products (issue "Tensor core v2").
//
//   views/<op>/<n>       a view of an n x n float32 tensor (transpose, narrow, select, expand): the time
//                        and the heap bytes per call must not grow with n (nothing is copied)
//   lstm_loop/<T>        forward + backward of a 2-layer LSTM-like loop over x.unbind(0), batch 32,
//                        hidden 128, T steps: linear in T (one unbind entry, not T slices)
//   attention_scores     q @ k.transpose(-2, -1) for q, k of shape (12, 4, 64, 32): the transposed
//                        operand is read in place (compare: bench/compare_views_pytorch.py)
#include <benchmark/benchmark.h>
#include <tapegrad/tapegrad.hpp>

#include <cstdint>

#include "alloc_counter.hpp"

namespace {

namespace tg = tapegrad;

enum class ViewOp { kTranspose, kNarrow, kSelect, kExpand };

void bm_view(benchmark::State& state, ViewOp op) {
  const std::int64_t n = state.range(0);
  const tg::Tensor x = tg::randn({n, n});
  const tg::Tensor column = tg::randn({n, 1});
  const auto before = alloc_counter::now();
  for (auto _ : state) {
    tg::Tensor v;
    switch (op) {
      case ViewOp::kTranspose: v = x.transpose(0, 1); break;
      case ViewOp::kNarrow: v = x.narrow(1, 1, n / 2); break;
      case ViewOp::kSelect: v = x.select(0, n / 2); break;
      case ViewOp::kExpand: v = column.expand({n, n}); break;
    }
    benchmark::DoNotOptimize(v.impl());
  }
  const auto after = alloc_counter::now();
  state.counters["bytes_per_call"] =
      static_cast<double>(after.bytes - before.bytes) / static_cast<double>(state.iterations());
}

// The weights of one LSTM-like layer: the four gates' input and hidden projections.
struct Layer {
  tg::Tensor w_ih, w_hh, bias;
  Layer(std::int64_t in, std::int64_t hidden)
      : w_ih((tg::randn({4 * hidden, in}) * 0.05).requires_grad_(true)),
        w_hh((tg::randn({4 * hidden, hidden}) * 0.05).requires_grad_(true)),
        bias(tg::zeros({4 * hidden}, tg::requires_grad())) {}
};

void bm_lstm_loop(benchmark::State& state) {
  const std::int64_t steps = state.range(0), batch = 32, hidden = 128;
  tg::manual_seed(0);
  const tg::Tensor x = tg::randn({steps, batch, hidden});
  Layer layers[2] = {Layer(hidden, hidden), Layer(hidden, hidden)};
  for (auto _ : state) {
    tg::Tensor input = x;
    for (Layer& layer : layers) {
      tg::Tensor h = tg::zeros({batch, hidden}), c = tg::zeros({batch, hidden});
      std::vector<tg::Tensor> outputs;
      for (const tg::Tensor& step : input.unbind(0)) {
        const auto gates = (tg::linear(step, layer.w_ih, layer.bias) + tg::linear(h, layer.w_hh)).chunk(4, 1);
        c = tg::sigmoid(gates[1]) * c + tg::sigmoid(gates[0]) * tg::tanh(gates[2]);
        h = tg::sigmoid(gates[3]) * tg::tanh(c);
        outputs.push_back(h);
      }
      input = tg::stack(outputs);
    }
    input.sum().backward();
    for (Layer& layer : layers)
      for (tg::Tensor* p : {&layer.w_ih, &layer.w_hh, &layer.bias}) p->set_grad({});
  }
  state.counters["steps_per_s"] = benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsIterationInvariantRate);
}

void bm_attention_scores(benchmark::State& state) {
  tg::manual_seed(0);
  const tg::Tensor q = tg::randn({12, 4, 64, 32}), k = tg::randn({12, 4, 64, 32});
  for (auto _ : state) {
    tg::Tensor scores = tg::matmul(q, k.transpose(-2, -1));
    benchmark::DoNotOptimize(scores.impl());
  }
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * 12 * 4 * 64 * 64 * 32, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
}

}  // namespace

BENCHMARK_CAPTURE(bm_view, transpose, ViewOp::kTranspose)->Arg(64)->Arg(2048);
BENCHMARK_CAPTURE(bm_view, narrow, ViewOp::kNarrow)->Arg(64)->Arg(2048);
BENCHMARK_CAPTURE(bm_view, select, ViewOp::kSelect)->Arg(64)->Arg(2048);
BENCHMARK_CAPTURE(bm_view, expand, ViewOp::kExpand)->Arg(64)->Arg(2048);
BENCHMARK(bm_lstm_loop)->Arg(50)->Arg(200)->Unit(benchmark::kMillisecond);
BENCHMARK(bm_attention_scores)->Unit(benchmark::kMicrosecond);
BENCHMARK_MAIN();
