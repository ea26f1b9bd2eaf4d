// Collectives on 2 (or more) ranks: every rank checks what it received.
#include <catch2/catch.hpp>

#include <tapegrad/distributed/collectives.hpp>
#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace dist = tapegrad::distributed;
using Catch::Matchers::Contains;

TEST_CASE("distributed: rank and world size", "[distributed]") {
  REQUIRE(dist::is_initialized());
  CHECK(dist::world_size() >= 2);
  CHECK(dist::rank() >= 0);
  CHECK(dist::rank() < dist::world_size());
  dist::barrier();
}

TEST_CASE("distributed: all_reduce sums, averages and takes the max, for every dtype", "[distributed]") {
  const int r = dist::rank(), n = dist::world_size();
  const double sum_of_ranks = n * (n - 1) / 2.0;
  for (tg::Dtype dtype : {tg::kFloat32, tg::kFloat64, tg::kInt64}) {
    tg::Tensor t = tg::tensor({1.0 * r, 10.0 + r, -2.0 * r}, dtype);
    dist::all_reduce(t);
    CHECK(tg::to_vector<double>(t) == std::vector<double>{sum_of_ranks, 10.0 * n + sum_of_ranks, -2 * sum_of_ranks});
    tg::Tensor m = tg::tensor({1.0 * r, -1.0 * r}, dtype);
    dist::all_reduce(m, dist::ReduceOp::kMax);
    CHECK(tg::to_vector<double>(m) == std::vector<double>{n - 1.0, 0.0});
  }
  tg::Tensor a = tg::tensor({2.0 * r, 1.0}, tg::kFloat64);
  dist::all_reduce(a, dist::ReduceOp::kAvg);
  CHECK(tg::to_vector<double>(a) == std::vector<double>{2 * sum_of_ranks / n, 1.0});
  tg::Tensor i = tg::tensor({1.0}, tg::kInt64);
  CHECK_THROWS_WITH(dist::all_reduce(i, dist::ReduceOp::kAvg), Contains("kAvg needs a floating-point tensor"));
}

TEST_CASE("distributed: broadcast copies the root's values; non-blocking work completes on wait", "[distributed]") {
  const int r = dist::rank();
  tg::Tensor t = tg::full({3}, 5.0 + r, tg::kFloat64);
  dist::broadcast(t, 1);
  CHECK(tg::to_vector<double>(t) == std::vector<double>{6, 6, 6});
  tg::Tensor a = tg::full({1000}, 1.0), b = tg::full({10}, 2.0, tg::kInt64);
  dist::Work wa = dist::start_all_reduce(a);
  dist::Work wb = dist::start_broadcast(b, 0);
  CHECK_FALSE(wa.completed());
  wb.wait();
  wa.wait();
  CHECK(wa.completed());
  CHECK(tg::to_vector<float>(a) == std::vector<float>(1000, static_cast<float>(dist::world_size())));
  CHECK(tg::to_vector<std::int64_t>(b) == std::vector<std::int64_t>(10, 2));
  CHECK(dist::broadcast_string(r == 0 ? "from rank 0" : "ignored") == "from rank 0");
  CHECK_THROWS_AS(dist::broadcast(t, dist::world_size()), std::out_of_range);
}

TEST_CASE("distributed: collectives refuse tensors autograd tracks", "[distributed]") {
  tg::Tensor w = tg::ones({2}).requires_grad_();
  CHECK_THROWS_WITH(dist::all_reduce(w), Contains("in-place operation"));
  tg::Tensor undefined;
  CHECK_THROWS_WITH(dist::all_reduce(undefined), Contains("undefined"));
}
