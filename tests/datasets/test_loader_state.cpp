// DataLoader::state_dict / load_state_dict: the loader's position (epoch, batches received, shuffle
// engine) and its samplers' state, so a resumed run sees the same batches in the same order.
#include <catch2/catch.hpp>
#include <memory>
#include <tapegrad/tapegrad.hpp>
#include <vector>

namespace tg = tapegrad;
namespace ds = tapegrad::datasets;

namespace {

using Batches = std::vector<std::vector<std::int64_t>>;

// N examples whose target is their index, so a batch's targets reveal which examples it holds.
ds::TensorDataset numbered(std::int64_t n) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = i;
  return ds::TensorDataset(tg::zeros({n, 1}), tg::from_vector(ids, {n}));
}

// One epoch (or what is left of it after a load): the targets of each batch, in order.
Batches epoch(ds::DataLoader& loader) {
  Batches out;
  for (auto& [data, target] : loader) out.push_back(tg::to_vector<std::int64_t>(target));
  return out;
}

// One epoch, taking the loader's state right after the `at`-th batch was received (inside the loop).
Batches epoch_saving_at(ds::DataLoader& loader, std::size_t at, tg::StateDict& saved) {
  Batches out;
  for (auto& [data, target] : loader) {
    out.push_back(tg::to_vector<std::int64_t>(target));
    if (out.size() == at) saved = loader.state_dict();
  }
  return out;
}

Batches tail(const Batches& b, std::size_t from) { return Batches(b.begin() + static_cast<std::ptrdiff_t>(from), b.end()); }

const auto kShuffled = ds::DataLoaderOptions(16).shuffle(true).seed(5);  // 103 examples: 7 batches

// A sampler with no state of its own: the Sampler defaults.
class Backwards final : public ds::Sampler {
 public:
  std::vector<std::int64_t> epoch_indices() const override { return {3, 2, 1, 0}; }
  std::int64_t size() const override { return 4; }
};

}  // namespace

TEST_CASE("DataLoader state: saved mid-epoch, a loader resumes at the next batch of the same order", "[datasets]") {
  const auto data = numbered(103);
  ds::DataLoader a(data, kShuffled);
  epoch(a);
  tg::StateDict saved;
  const Batches epoch1 = epoch_saving_at(a, 3, saved);
  CHECK(saved.values.at("epoch") == "1");    // the epoch in progress (0-based)
  CHECK(saved.values.at("batches") == "3");  // received so far
  const Batches epoch2 = epoch(a), epoch3 = epoch(a);

  ds::DataLoader b(data, ds::DataLoaderOptions(16).shuffle(true).seed(99));  // the state decides, not the seed
  const Batches unrestored = epoch(b);
  b.load_state_dict(saved);
  CHECK(b.state_dict().values == saved.values);  // loaded, not yet begun: the same position
  CHECK(epoch(b) == tail(epoch1, 3));
  CHECK(b.epochs_started() == 2);
  CHECK(epoch(b) == epoch2);
  CHECK(epoch(b) == epoch3);
  CHECK(unrestored != epoch1);  // negative control: b's own order is another one

  // The same state rewinds the loader it came from, and a resumed epoch saves its position again.
  a.load_state_dict(saved);
  tg::StateDict again;
  const Batches rest = epoch_saving_at(a, 2, again);
  CHECK(rest == tail(epoch1, 3));
  CHECK(again.values.at("epoch") == "1");
  CHECK(again.values.at("batches") == "5");
  CHECK(again.values.at("generator") == saved.values.at("generator"));  // the engine that drew epoch 1
}

TEST_CASE("DataLoader state: after an epoch, or a loop left by break, a loader resumes at the next epoch", "[datasets]") {
  const auto data = numbered(103);
  ds::DataLoader a(data, kShuffled);
  epoch(a);
  const tg::StateDict between = a.state_dict();
  CHECK(between.values.at("epoch") == "1");
  CHECK(between.values.at("batches") == "0");
  const Batches epoch1 = epoch(a);
  for (auto& batch : a) {  // epoch 2: one batch, then break; the epoch ends with its iterator
    CHECK(batch.target.numel() == 16);
    break;
  }
  const tg::StateDict after_break = a.state_dict();
  CHECK(after_break.values.at("epoch") == "3");
  CHECK(after_break.values.at("batches") == "0");
  const Batches epoch3 = epoch(a);

  ds::DataLoader b(data, kShuffled);
  b.load_state_dict(between);
  CHECK(epoch(b) == epoch1);
  b.load_state_dict(after_break);
  CHECK(epoch(b) == epoch3);
}

TEST_CASE("DataLoader state: saved at an epoch's last batch, the resumed epoch is empty, then the next follows", "[datasets]") {
  const auto data = numbered(103);
  ds::DataLoader a(data, kShuffled);
  tg::StateDict saved;
  epoch_saving_at(a, 7, saved);
  CHECK(saved.values.at("epoch") == "0");
  CHECK(saved.values.at("batches") == "7");
  const Batches epoch1 = epoch(a);
  ds::DataLoader b(data, kShuffled);
  b.load_state_dict(saved);
  CHECK(epoch(b).empty());  // the rest of epoch 0: nothing (the loop the checkpoint was in is done)
  CHECK(epoch(b) == epoch1);
}

TEST_CASE("DataLoader state counts the batches received, not those an iterator passed or fetched ahead", "[datasets]") {
  const auto data = numbered(103);
  ds::DataLoader a(data, kShuffled);
  auto it = a.begin();
  CHECK(a.state_dict().values.at("epoch") == "0");
  CHECK(a.state_dict().values.at("batches") == "0");
  (void)*it;
  CHECK(a.state_dict().values.at("batches") == "1");
  (void)*it;  // the same batch again
  CHECK(a.state_dict().values.at("batches") == "1");
  ++it;
  ++it;  // passed without being looked at
  CHECK(a.state_dict().values.at("batches") == "1");
  CHECK(it->target.numel() == 16);  // batch 2 (0-based) received
  CHECK(a.state_dict().values.at("batches") == "3");
  it = a.end();  // the epoch's iterator is gone: between epochs
  CHECK(a.state_dict().values.at("epoch") == "1");
  CHECK(a.state_dict().values.at("batches") == "0");
}

TEST_CASE("DataLoader state with a DistributedSampler restores the sampler's epoch; any rank's state fits", "[datasets]") {
  const auto data = numbered(40);
  const auto sampler_options = ds::DistributedSamplerOptions().seed(3);
  auto rank0 = std::make_shared<ds::DistributedSampler>(40, 2, 0, sampler_options);
  ds::DataLoader a(data, ds::DataLoaderOptions(4).sampler(rank0));
  rank0->set_epoch(4);
  tg::StateDict saved;
  epoch_saving_at(a, 2, saved);
  CHECK(saved.values.at("sampler.epoch") == "4");
  CHECK(saved.values.at("order") == "sampler");

  // Rank 1 of a resumed run: a new sampler at epoch 0 takes rank 0's state and continues its own shard.
  auto rank1 = std::make_shared<ds::DistributedSampler>(40, 2, 1, sampler_options);
  rank1->set_epoch(4);
  ds::DataLoader expected(data, ds::DataLoaderOptions(4).sampler(rank1));
  const Batches rank1_epoch4 = epoch(expected);
  rank1->set_epoch(0);
  ds::DataLoader b(data, ds::DataLoaderOptions(4).sampler(rank1));
  b.load_state_dict(saved);
  CHECK(rank1->epoch() == 4);
  CHECK(epoch(b) == tail(rank1_epoch4, 2));

  // The sampler's own round trip, and its configuration checked.
  ds::DistributedSampler copy(40, 2, 1, sampler_options);
  copy.load_state_dict(rank0->state_dict());
  CHECK(copy.epoch() == 4);
  ds::DistributedSampler four(40, 4, 0, sampler_options);
  CHECK_THROWS_MATCHES(four.load_state_dict(rank0->state_dict()), std::runtime_error,
                       Catch::Message("DistributedSampler state_dict: saved with num_replicas 2, but this "
                                      "DistributedSampler has num_replicas 4"));
  ds::DistributedSampler reseeded(40, 2, 0, ds::DistributedSamplerOptions().seed(4));
  CHECK_THROWS_MATCHES(reseeded.load_state_dict(rank0->state_dict()), std::runtime_error,
                       Catch::Message("DistributedSampler state_dict: saved with seed 3, but this DistributedSampler has seed 4"));
  CHECK(four.epoch() == 0);
  CHECK(reseeded.epoch() == 0);
}

TEST_CASE("DataLoader state with a sampler that keeps none: round trip, and another state refused", "[datasets]") {
  const auto data = numbered(4);
  ds::DataLoader a(data, ds::DataLoaderOptions(2).sampler(std::make_shared<Backwards>()));
  tg::StateDict saved;
  epoch_saving_at(a, 1, saved);
  ds::DataLoader b(data, ds::DataLoaderOptions(2).sampler(std::make_shared<Backwards>()));
  b.load_state_dict(saved);
  CHECK(epoch(b) == Batches{{1, 0}});
  saved.values["sampler.epoch"] = "2";
  CHECK_THROWS_MATCHES(b.load_state_dict(saved), std::runtime_error, Catch::Message("Sampler state_dict: unexpected key \"epoch\""));
}

TEST_CASE("DataLoader state: another configuration or a damaged state is refused, naming it; nothing changes", "[datasets]") {
  const auto data = numbered(103);
  ds::DataLoader a(data, kShuffled);
  tg::StateDict good;
  epoch_saving_at(a, 2, good);
  auto with = [&](const std::string& key, const std::string& value) {
    tg::StateDict d = good;
    d.values[key] = value;
    return d;
  };
  auto refused = [](ds::DataLoader& loader, const tg::StateDict& d, const std::string& message) {
    const auto before = loader.state_dict().values;
    CHECK_THROWS_MATCHES(loader.load_state_dict(d), std::runtime_error, Catch::Message("DataLoader state_dict: " + message));
    CHECK(loader.state_dict().values == before);
  };

  const auto small = numbered(50);
  ds::DataLoader other_size(small, kShuffled);
  refused(other_size, good, "saved with dataset_size 103, but this DataLoader has dataset_size 50");
  ds::DataLoader other_batch(data, ds::DataLoaderOptions(32).shuffle(true));
  refused(other_batch, good, "saved with batch_size 16, but this DataLoader has batch_size 32");
  ds::DataLoader dropping(data, ds::DataLoaderOptions(16).shuffle(true).drop_last(true));
  refused(dropping, good, "saved with drop_last false, but this DataLoader has drop_last true");
  ds::DataLoader sequential(data, ds::DataLoaderOptions(16));
  refused(sequential, good, "saved with order shuffle, but this DataLoader has order sequential");
  ds::DataLoader sampled(data, ds::DataLoaderOptions(16).sampler(std::make_shared<ds::DistributedSampler>(103, 1, 0)));
  refused(sampled, good, "saved with order shuffle, but this DataLoader has order sampler");

  ds::DataLoader b(data, kShuffled);
  epoch(b);
  tg::StateDict missing = good;
  missing.values.erase("generator");
  refused(b, missing, "missing key \"generator\"");
  refused(b, with("extra", "1"), "unexpected key \"extra\"");
  refused(b, with("batches", "three"), "\"batches\" is not an integer: three");
  refused(b, with("batches", "8"), "\"batches\" is 8, but an epoch of this DataLoader has 7 batches");
  refused(b, with("batches", "-1"), "\"batches\" is -1, but an epoch of this DataLoader has 7 batches");
  refused(b, with("epoch", "-1"), "\"epoch\" must be >= 0, got -1");
  refused(b, with("generator", "12 34"), "\"generator\": not a generator state");
  tg::StateDict with_tensor = good;
  with_tensor.tensors.emplace_back("order", tg::zeros({3}));
  refused(b, with_tensor, "unexpected tensor \"order\"");

  // A bad batch count with a sampler: the sampler's state, loaded first, is put back.
  auto sampler = std::make_shared<ds::DistributedSampler>(103, 1, 0);
  ds::DataLoader c(data, ds::DataLoaderOptions(16).sampler(sampler));
  sampler->set_epoch(6);
  tg::StateDict from_sampled;
  epoch_saving_at(c, 1, from_sampled);
  sampler->set_epoch(2);
  from_sampled.values["batches"] = "9";
  refused(c, from_sampled, "\"batches\" is 9, but an epoch of this DataLoader has 7 batches");
  CHECK(sampler->epoch() == 2);
}
