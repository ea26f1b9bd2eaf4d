// Tape overhead: a chain of N = 1000 tiny ops (1 or 4 floats), so the arithmetic is nothing and what
// is measured is the bookkeeping — allocating the output, recording the tape entry, replaying it.
// The counter per_op is wall time per op of the chain (the goal: at most 1 µs, record + backward).
//
//   tape/record_backward/<op>/<numel>  y = x; N times y = op(y); y.backward(ones): record + backward
//   tape/record_only/<op>/<numel>      the same forward with grad, graph dropped without backward
//   tape/no_grad/<op>/<numel>          the same forward under NoGradGuard (nothing recorded)
// <op>: mul_scalar (y * 1.0001: one input to differentiate) or mul_tensor (y * w, w a leaf that
// requires grad: two inputs, and w's gradient accumulates N times).
#include <benchmark/benchmark.h>
#include <tapegrad/tapegrad.hpp>

#include <cstdint>
#include <string>

namespace {

namespace tg = tapegrad;

constexpr int kChain = 1000;

enum class Op { kMulScalar, kMulTensor };
enum class Mode { kRecordBackward, kRecordOnly, kNoGrad };

struct Chain {
  tg::Tensor x, w, seed;
  explicit Chain(std::int64_t numel)
      : x(tg::full({numel}, 1.0, tg::TensorOptions().requires_grad(true))),
        w(tg::full({numel}, 1.0001, tg::TensorOptions().requires_grad(true))),
        seed(tg::ones({numel})) {}

  tg::Tensor forward(Op op) const {
    tg::Tensor y = x;
    for (int i = 0; i < kChain; ++i) y = op == Op::kMulScalar ? y * 1.0001 : y * w;
    return y;
  }
};

void bm_chain(benchmark::State& state, Op op, Mode mode) {
  Chain chain(state.range(0));
  for (auto _ : state) {
    if (mode == Mode::kNoGrad) {
      tg::NoGradGuard no_grad;
      benchmark::DoNotOptimize(chain.forward(op).raw_data());
    } else {
      tg::Tensor y = chain.forward(op);
      if (mode == Mode::kRecordBackward) y.backward(chain.seed);
      benchmark::DoNotOptimize(y.raw_data());
    }  // y and its graph are released here, inside the timed region (as in a training loop)
  }
  state.counters["per_op"] =
      benchmark::Counter(kChain, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  if (mode == Mode::kRecordBackward) {  // the chain's gradient reached the leaves: a sanity check
    const tg::Tensor& leaf = op == Op::kMulScalar ? chain.x : chain.w;
    if (!leaf.grad().defined()) state.SkipWithError("backward left no gradient on the leaf");
  }
}

void register_all() {
  const std::pair<Op, const char*> ops[] = {{Op::kMulScalar, "mul_scalar"}, {Op::kMulTensor, "mul_tensor"}};
  const std::pair<Mode, const char*> modes[] = {
      {Mode::kRecordBackward, "record_backward"}, {Mode::kRecordOnly, "record_only"}, {Mode::kNoGrad, "no_grad"}};
  for (const auto& [mode, mode_name] : modes) {
    for (const auto& [op, op_name] : ops) {
      const std::string name = std::string("tape/") + mode_name + "/" + op_name;
      benchmark::RegisterBenchmark(name.c_str(), bm_chain, op, mode)->Arg(1)->Arg(4)->UseRealTime();
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  tapegrad::set_num_threads(1);  // tiny tensors: nothing to parallelise
  register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
