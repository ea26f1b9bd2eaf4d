// DistributedDataParallel on 2 ranks: same starting weights everywhere, gradients equal to the
// whole batch's, structure mismatches and step mismatches caught on every rank.
#include <catch2/catch.hpp>

#include <tapegrad/distributed/collectives.hpp>
#include <tapegrad/distributed/data_parallel.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace dist = tapegrad::distributed;
using Catch::Matchers::Contains;

namespace {

// A small float64 MLP; each rank seeds differently, so only DDP's broadcast makes them equal.
nn::Sequential make_model(int seed) {
  tg::manual_seed(seed);
  nn::Sequential model(nn::Linear(5, 8), nn::Tanh(), nn::Linear(8, 3));
  model.to(tg::kFloat64);
  return model;
}

// The global batch all ranks agree on (seeded the same everywhere) and this rank's share of it.
struct Batch {
  tg::Tensor x, y;
};
Batch global_batch(int n) {
  tg::manual_seed(1234);
  return {tg::randn({n, 5}, tg::kFloat64), tg::randint(0, 3, {n})};
}
Batch shard(const Batch& b, int rank, int world) {
  std::vector<std::int64_t> rows;
  for (std::int64_t i = rank; i < b.x.size(0); i += world) rows.push_back(i);
  const tg::Tensor idx = tg::from_vector(rows, {static_cast<std::int64_t>(rows.size())});
  return {tg::index_select(b.x, 0, idx), tg::index_select(b.y, 0, idx)};
}

}  // namespace

TEST_CASE("DistributedDataParallel: rank 0's weights everywhere; averaged gradients equal the whole batch's", "[distributed]") {
  const int r = dist::rank(), world = dist::world_size();
  nn::Sequential model = make_model(100 + r);
  // Two parameters per bucket at most: several buckets, launched as backward finishes them.
  dist::DistributedDataParallel ddp(model, dist::DistributedDataParallelOptions().bucket_cap_bytes(8 * 8 * 8));
  CHECK(ddp.bucket_count() >= 2);

  // Everyone now has rank 0's parameters.
  nn::Sequential reference = make_model(100);
  const auto mine = model.parameters(), ref = reference.parameters();
  for (std::size_t i = 0; i < mine.size(); ++i) CHECK(tg::to_vector<double>(mine[i]) == tg::to_vector<double>(ref[i]));

  // The whole batch's gradient, computed locally on the reference copy.
  const Batch whole = global_batch(4 * world);
  tg::nn::CrossEntropyLoss criterion;
  criterion(reference.forward(whole.x), whole.y).backward();

  // Each rank's share, averaged by DDP: the mean over equal shares is the whole batch's mean.
  for (int step = 0; step < 2; ++step) {
    model.zero_grad();
    const Batch part = shard(whole, r, world);
    criterion(model.forward(part.x), part.y).backward();
    ddp.synchronize();
    for (std::size_t i = 0; i < mine.size(); ++i) {
      const auto got = tg::to_vector<double>(mine[i].grad()), want = tg::to_vector<double>(ref[i].grad());
      for (std::size_t j = 0; j < got.size(); ++j) CHECK(got[j] == Approx(want[j]).epsilon(1e-12).margin(1e-14));
    }
  }
  CHECK(ddp.steps_synchronized() == 2);
}

TEST_CASE("DistributedDataParallel: no_sync accumulates locally, the next backward averages the sum", "[distributed]") {
  const int r = dist::rank();
  nn::Sequential model = make_model(7);
  dist::DistributedDataParallel ddp(model);
  const tg::Tensor x = tg::full({2, 5}, 0.1 * (r + 1), tg::kFloat64);
  {
    auto guard = ddp.no_sync();
    tg::sum(model.forward(x)).backward();
    ddp.synchronize();  // does nothing while no_sync is on
  }
  const auto local = tg::to_vector<double>(model.parameters()[0].grad());
  tg::sum(model.forward(x)).backward();
  ddp.synchronize();
  // Now: the average over ranks of (2 x each rank's gradient); check against an all_reduce by hand.
  tg::Tensor expected = tg::from_vector(local, model.parameters()[0].shape()) * 2.0;
  dist::all_reduce(expected, dist::ReduceOp::kAvg);
  const auto got = tg::to_vector<double>(model.parameters()[0].grad()), want = tg::to_vector<double>(expected);
  for (std::size_t j = 0; j < got.size(); ++j) CHECK(got[j] == Approx(want[j]).epsilon(1e-12));
}

TEST_CASE("DistributedDataParallel: a model that differs between ranks is refused on every rank", "[distributed]") {
  const int r = dist::rank();
  tg::manual_seed(0);
  nn::Linear layer(3, r == 1 ? 5 : 4);
  CHECK_THROWS_WITH(dist::DistributedDataParallel(layer),
                    Contains("the model differs between ranks: rank 1 has parameter 'weight' float32 [5, 3] where "
                             "rank 0 has parameter 'weight' float32 [4, 3]"));
}

TEST_CASE("DistributedDataParallel: ranks at different steps are caught instead of mixing gradients", "[distributed]") {
  const int r = dist::rank();
  nn::Sequential model = make_model(3);
  dist::DistributedDataParallel ddp(model);
  ddp.set_step(r == 1 ? 11 : 10);  // rank 1 skipped a batch
  // The end of the backward averages the gradients, and finds the steps differ.
  CHECK_THROWS_WITH(tg::sum(model.forward(tg::ones({1, 5}, tg::kFloat64))).backward(),
                    Contains("the ranks are not at the same step"));
}

TEST_CASE("DistributedDataParallel: gradients are averaged by the time backward returns", "[distributed]") {
  const int r = dist::rank();
  nn::Sequential model = make_model(5);
  dist::DistributedDataParallel ddp(model, dist::DistributedDataParallelOptions().bucket_cap_bytes(64));
  const tg::Tensor x = tg::full({2, 5}, 0.5 * (r + 1), tg::kFloat64);
  tg::sum(model.forward(x)).backward();  // no synchronize(): the post-accumulate hooks and the callback
  CHECK(ddp.steps_synchronized() == 1);
  for (const auto& p : model.parameters()) {
    tg::Tensor mine = p.grad().clone(), everyone = p.grad().clone();
    dist::all_reduce(everyone, dist::ReduceOp::kMax);  // identical on every rank, so max == mine
    CHECK(tg::to_vector<double>(mine) == tg::to_vector<double>(everyone));
  }
  ddp.synchronize();  // nothing left to do
  CHECK(ddp.steps_synchronized() == 1);
}
