// Tapes and random generators are per thread: two models trained at once on two threads get
// exactly the results each gets alone.
#include <catch2/catch.hpp>
#include <tapegrad/tapegrad.hpp>

#include <thread>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

namespace {

// Trains a small classifier from seed `seed` and returns every parameter value afterwards.
std::vector<float> train_small_model(std::uint64_t seed) {
  tg::manual_seed(seed);
  nn::Sequential model(nn::Linear(8, 16), nn::ReLU(), nn::Linear(16, 3));
  nn::CrossEntropyLoss criterion;
  tg::optim::SGD optimizer(model.parameters(), tg::optim::SGDOptions(0.1).momentum(0.9));
  const tg::Tensor x = tg::randn({32, 8});
  const tg::Tensor y = tg::randint(0, 3, {32});
  for (int step = 0; step < 200; ++step) {
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

TEST_CASE("two models train on two threads exactly as each does alone", "[reliability][threads]") {
  const std::vector<float> alone_a = train_small_model(11);
  const std::vector<float> alone_b = train_small_model(22);
  REQUIRE(alone_a != alone_b);

  std::vector<float> together_a, together_b;
  std::thread ta([&] { together_a = train_small_model(11); });
  std::thread tb([&] { together_b = train_small_model(22); });
  ta.join();
  tb.join();
  CHECK(together_a == alone_a);
  CHECK(together_b == alone_b);
}

TEST_CASE("each thread has its own tape", "[reliability][threads]") {
  tg::Tensor x = tg::ones({2}).requires_grad_();
  tg::Tensor kept = tg::exp(x);  // one live entry on this thread's tape
  const std::size_t here = tg::autograd::tape_size();
  std::size_t there = 99;
  std::thread other([&] { there = tg::autograd::tape_size(); });
  other.join();
  CHECK(here >= 1);
  CHECK(there == 0);
}
