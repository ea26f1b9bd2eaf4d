// Tapes and random generators are per thread: two models trained at once on two threads get
// exactly the results each gets alone. The thread count for kernels is process-wide.
#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

#include <omp.h>

#include <thread>

#include "../support/pinned_thread.hpp"

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

namespace {

// Big enough to run every shared or per-thread fast path at once: the per-thread buffer cache
// (buffers of 4 KiB and more), the multi-threaded GEMM (64x784x256 = 12.8M multiply-adds, above
// the 1M threshold) and the multi-threaded SGD update (the 256x784 weight has 200,704 elements,
// above 65,536). A toy model (8-16-3, batch 32) reaches none of them.
constexpr std::int64_t kBatch = 64, kIn = 784, kHidden = 256, kClasses = 10;
static_assert(kBatch * kIn * kHidden >= (std::int64_t{1} << 20), "first GEMM must be a parallel one");
static_assert(kIn * kHidden >= (std::int64_t{1} << 16), "first weight must take the parallel SGD path");

// Trains a classifier from seed `seed` and returns every parameter value afterwards.
std::vector<float> train_model(std::uint64_t seed) {
  tg::manual_seed(seed);
  nn::Sequential model(nn::Linear(kIn, kHidden), nn::ReLU(), nn::Linear(kHidden, kClasses));
  nn::CrossEntropyLoss criterion;
  tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(0.05).momentum(0.9));
  const tg::Tensor x = tg::randn({kBatch, kIn});
  const tg::Tensor y = tg::randint(0, kClasses, {kBatch});
  for (int step = 0; step < 100; ++step) {
    optimizer.zero_grad();
    criterion(model(x), y).backward();
    optimizer.step();
  }
  std::vector<float> values;
  for (const auto& p : model.parameters()) {
    const auto v = tg::to_vector<float>(p);
    values.insert(values.end(), v.begin(), v.end());
  }
  return values;
}

}  // namespace

TEST_CASE("two models train on two threads exactly as each does alone", "[core][threads]") {
  const std::vector<float> alone_a = train_model(11);
  const std::vector<float> alone_b = train_model(22);
  REQUIRE(alone_a != alone_b);

  std::vector<float> together_a, together_b;
  std::thread ta([&] { together_a = train_model(11); });
  std::thread tb([&] { together_b = train_model(22); });
  ta.join();
  tb.join();
  CHECK(together_a == alone_a);
  CHECK(together_b == alone_b);
}

TEST_CASE("each thread has its own tape", "[core][threads]") {
  tg::Tensor x = tg::ones({2}).requires_grad_();
  tg::Tensor kept = tg::exp(x);  // one live entry on this thread's tape
  const std::size_t here = tg::autograd::tape_size();
  std::size_t there = 99;
  std::thread other([&] { there = tg::autograd::tape_size(); });
  other.join();
  CHECK(here >= 1);
  CHECK(there == 0);
}

TEST_CASE("set_num_threads is process-wide", "[core][threads]") {
  const int before = tg::get_num_threads();
  tg::set_num_threads(1);
  int seen_on_other_thread = 0;
  std::thread other([&] { seen_on_other_thread = tg::get_num_threads(); });
  other.join();
  CHECK(seen_on_other_thread == 1);
  CHECK_THROWS_WITH(tg::set_num_threads(0), Catch::Contains("at least 1"));
  tg::set_num_threads(before);
}

TEST_CASE("a conv2d's weight gradient on a user's thread in OpenMP's dynamic mode has the bits it has without",
          "[core][threads]") {
  // The convolutions split the batch over the threads and sum one weight gradient per thread: on fewer
  // threads than asked for (dynamic mode) the sum would round differently, and a run would depend on
  // the machine's load. kernels::gemm's own test is in test_gemm_kernel.cpp.
  const int before = tg::get_num_threads();
  tg::set_num_threads(2);
  const auto weight_gradient = [](bool dynamic) {
    std::vector<float> values;
    support::run_on_pinned_thread([&] {
      omp_set_dynamic(dynamic);
      tg::manual_seed(3);
      const tg::Tensor x = tg::randn({16, 8, 16, 16});
      const tg::Tensor w = tg::randn({16, 8, 3, 3}).requires_grad_();
      tg::sum(tg::nn::functional::conv2d(x, w).pow(2)).backward();
      values = tg::to_vector<float>(w.grad());
    });
    return values;
  };
  const std::vector<float> fixed = weight_gradient(false), dynamic = weight_gradient(true);
  tg::set_num_threads(before);
  CHECK(dynamic == fixed);
}
