// Samplers decide which examples an epoch visits and in which order; a DataLoader given one asks it
// for the epoch's indices at the start of every epoch instead of shuffling by itself.
#pragma once

#include <cstdint>
#include <vector>

#include "../core/arg.hpp"
#include "../core/state_dict.hpp"

namespace tapegrad::datasets {

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::vector<std::int64_t> epoch_indices() const = 0;  // the current epoch's example order
  virtual std::int64_t size() const = 0;                        // how many indices an epoch yields
  // What decides the order besides the constructor's arguments, for a DataLoader's state_dict (so a
  // training checkpoint resumes the same order). A sampler without such state keeps the defaults:
  // an empty state, and a load that refuses any other (std::runtime_error).
  virtual StateDict state_dict() const { return {}; }
  virtual void load_state_dict(const StateDict& dict);
};

struct DistributedSamplerOptions {
  TAPEGRAD_ARG(bool, shuffle) = true;
  TAPEGRAD_ARG(std::uint64_t, seed) = 0;   // the same on every rank
  TAPEGRAD_ARG(bool, drop_last) = false;   // cut the tail instead of padding it
};

// PyTorch's DistributedSampler: every rank draws the same permutation of the dataset for an epoch
// (seeded by seed + epoch: call set_epoch at each epoch's start), pads it by repeating its head (or,
// with drop_last, cuts it) to a multiple of num_replicas, and keeps indices[rank::num_replicas].
// So with a per-rank batch B, the ranks' b-th batches together hold exactly the b-th batch of size
// B·num_replicas of the whole permutation. The permutation is tapegrad's (mt19937_64 + Fisher-Yates),
// not torch.randperm's.
class DistributedSampler final : public Sampler {
 public:
  DistributedSampler(std::int64_t dataset_size, std::int64_t num_replicas, std::int64_t rank,
                     DistributedSamplerOptions options = {});
  void set_epoch(std::int64_t epoch) { epoch_ = epoch; }
  std::int64_t epoch() const { return epoch_; }
  std::vector<std::int64_t> epoch_indices() const override;
  std::int64_t size() const override { return num_samples_; }
  // The epoch, and the configuration the order depends on (dataset_size, num_replicas, shuffle, seed,
  // drop_last), which a load checks: another one is refused, naming it. The rank is not part of it:
  // one rank's checkpoint restores every rank's sampler.
  StateDict state_dict() const override;
  void load_state_dict(const StateDict& dict) override;

 private:
  std::int64_t dataset_size_, num_replicas_, rank_;
  DistributedSamplerOptions options_;
  std::int64_t num_samples_ = 0;
  std::int64_t epoch_ = 0;
};

}  // namespace tapegrad::datasets
