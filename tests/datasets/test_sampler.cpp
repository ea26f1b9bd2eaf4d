// DistributedSampler: PyTorch's sharding (indices[rank::num_replicas], padding or drop_last) over one
// shared per-epoch permutation, and the DataLoader using it.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>

#include <tapegrad/tapegrad.hpp>

namespace tg = tapegrad;
namespace td = tapegrad::datasets;
using Catch::Matchers::Contains;
using Catch::Matchers::Message;

TEST_CASE("DistributedSampler: without shuffle, rank r takes indices r, r+R, ... padded with the head", "[datasets]") {
  const auto opts = td::DistributedSamplerOptions().shuffle(false);
  // 10 examples on 4 ranks: 3 each, total 12, padded with indices 0 and 1.
  CHECK(td::DistributedSampler(10, 4, 0, opts).epoch_indices() == std::vector<std::int64_t>{0, 4, 8});
  CHECK(td::DistributedSampler(10, 4, 1, opts).epoch_indices() == std::vector<std::int64_t>{1, 5, 9});
  CHECK(td::DistributedSampler(10, 4, 2, opts).epoch_indices() == std::vector<std::int64_t>{2, 6, 0});
  CHECK(td::DistributedSampler(10, 4, 3, opts).epoch_indices() == std::vector<std::int64_t>{3, 7, 1});
  // drop_last: floor-like, the tail is cut (ceil((10 - 4) / 4) = 2 each).
  const auto drop = td::DistributedSamplerOptions().shuffle(false).drop_last(true);
  CHECK(td::DistributedSampler(10, 4, 3, drop).epoch_indices() == std::vector<std::int64_t>{3, 7});
  CHECK(td::DistributedSampler(10, 4, 0, drop).size() == 2);
  // Fewer examples than ranks: padding cycles through the data.
  CHECK(td::DistributedSampler(2, 5, 4, opts).epoch_indices() == std::vector<std::int64_t>{0});
}

TEST_CASE("DistributedSampler: ranks take disjoint shards of one permutation that changes with the epoch", "[datasets]") {
  const auto opts = td::DistributedSamplerOptions().seed(7);
  std::vector<std::int64_t> all;
  for (int r = 0; r < 3; ++r) {
    td::DistributedSampler s(30, 3, r, opts);
    s.set_epoch(2);
    const auto mine = s.epoch_indices();
    CHECK(mine.size() == 10);
    all.insert(all.end(), mine.begin(), mine.end());
  }
  std::sort(all.begin(), all.end());
  std::vector<std::int64_t> expected(30);
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(all == expected);

  td::DistributedSampler s(30, 1, 0, opts);
  s.set_epoch(2);
  const auto epoch2 = s.epoch_indices();
  s.set_epoch(3);
  CHECK(s.epoch_indices() != epoch2);
  s.set_epoch(2);
  CHECK(s.epoch_indices() == epoch2);  // reproducible from seed + epoch
  std::vector<std::int64_t> identity(30);
  std::iota(identity.begin(), identity.end(), 0);
  CHECK(epoch2 != identity);
}

TEST_CASE("DistributedSampler: the ranks' b-th batches make up the b-th global batch", "[datasets]") {
  // 2 ranks x batch 4 see exactly the samples of 1 rank x batch 8, batch by batch.
  const auto opts = td::DistributedSamplerOptions().seed(3);
  const auto whole = td::DistributedSampler(40, 1, 0, opts).epoch_indices();
  const auto r0 = td::DistributedSampler(40, 2, 0, opts).epoch_indices();
  const auto r1 = td::DistributedSampler(40, 2, 1, opts).epoch_indices();
  for (int b = 0; b < 5; ++b) {
    std::set<std::int64_t> global(whole.begin() + 8 * b, whole.begin() + 8 * b + 8);
    std::set<std::int64_t> parts(r0.begin() + 4 * b, r0.begin() + 4 * b + 4);
    parts.insert(r1.begin() + 4 * b, r1.begin() + 4 * b + 4);
    CHECK(parts == global);
  }
}

TEST_CASE("DistributedSampler: bad arguments are refused", "[datasets]") {
  CHECK_THROWS_MATCHES(td::DistributedSampler(10, 2, 2), std::invalid_argument,
                       Message("Invalid rank 2, rank should be in the interval [0, 1]"));
  CHECK_THROWS_AS(td::DistributedSampler(10, 0, 0), std::invalid_argument);
  CHECK_THROWS_AS(td::DistributedSampler(-1, 1, 0), std::invalid_argument);
}

TEST_CASE("DataLoader: a sampler decides the order and the number of batches", "[datasets]") {
  td::TensorDataset data(tg::arange(10).to(tg::kFloat32).reshape({10, 1}), tg::arange(10));
  auto sampler = std::make_shared<td::DistributedSampler>(10, 2, 1, td::DistributedSamplerOptions().shuffle(false));
  td::DataLoader loader(data, td::DataLoaderOptions(2).sampler(sampler));
  CHECK(loader.size() == 3);
  std::vector<std::int64_t> seen;
  for (auto& [x, y] : loader)
    for (auto v : tg::to_vector<std::int64_t>(y)) seen.push_back(v);
  CHECK(seen == std::vector<std::int64_t>{1, 3, 5, 7, 9});
  CHECK_THROWS_WITH(td::DataLoader(data, td::DataLoaderOptions(2).sampler(sampler).shuffle(true)),
                    Contains("mutually exclusive with shuffle"));
}
