#include "sampler.hpp"

#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

#include "shuffle.hpp"
#include "state_reader.hpp"

namespace tapegrad::datasets {

DistributedSampler::DistributedSampler(std::int64_t dataset_size, std::int64_t num_replicas, std::int64_t rank,
                                       DistributedSamplerOptions options)
    : dataset_size_(dataset_size), num_replicas_(num_replicas), rank_(rank), options_(options) {
  if (dataset_size < 0)
    throw std::invalid_argument("DistributedSampler: dataset_size must be >= 0, got " + std::to_string(dataset_size));
  if (num_replicas < 1)
    throw std::invalid_argument("DistributedSampler: num_replicas must be >= 1, got " + std::to_string(num_replicas));
  if (rank < 0 || rank >= num_replicas)
    throw std::invalid_argument("Invalid rank " + std::to_string(rank) + ", rank should be in the interval [0, " +
                                std::to_string(num_replicas - 1) + "]");
  num_samples_ = options_.drop_last() && dataset_size % num_replicas != 0
                     ? (dataset_size - num_replicas + num_replicas - 1) / num_replicas  // ceil((N - R) / R)
                     : (dataset_size + num_replicas - 1) / num_replicas;
  if (num_samples_ < 0) num_samples_ = 0;
}

void Sampler::load_state_dict(const StateDict& dict) {
  detail::StateReader reader(dict, "Sampler");
  reader.check_nothing_left();  // this sampler has no state: anything is another sampler's
}

StateDict DistributedSampler::state_dict() const {
  StateDict d;
  d.values["sampler"] = "DistributedSampler";
  d.values["epoch"] = std::to_string(epoch_);
  d.values["dataset_size"] = std::to_string(dataset_size_);
  d.values["num_replicas"] = std::to_string(num_replicas_);
  d.values["shuffle"] = detail::bool_text(options_.shuffle());
  d.values["seed"] = std::to_string(options_.seed());
  d.values["drop_last"] = detail::bool_text(options_.drop_last());
  return d;
}

void DistributedSampler::load_state_dict(const StateDict& dict) {
  detail::StateReader reader(dict, "DistributedSampler");
  reader.expect("sampler", "DistributedSampler");
  reader.expect("dataset_size", std::to_string(dataset_size_));
  reader.expect("num_replicas", std::to_string(num_replicas_));
  reader.expect("shuffle", detail::bool_text(options_.shuffle()));
  reader.expect("seed", std::to_string(options_.seed()));
  reader.expect("drop_last", detail::bool_text(options_.drop_last()));
  const std::int64_t epoch = reader.integer("epoch");
  reader.check_nothing_left();
  epoch_ = epoch;
}

std::vector<std::int64_t> DistributedSampler::epoch_indices() const {
  std::vector<std::int64_t> all(static_cast<std::size_t>(dataset_size_));
  std::iota(all.begin(), all.end(), std::int64_t{0});
  if (options_.shuffle()) {
    std::mt19937_64 engine(options_.seed() + static_cast<std::uint64_t>(epoch_));
    detail::shuffle_in_place(all, engine);
  }
  const std::size_t total = static_cast<std::size_t>(num_samples_ * num_replicas_);
  if (all.size() > total) {
    all.resize(total);  // drop_last
  } else if (!all.empty()) {
    for (std::size_t i = 0; all.size() < total; ++i) all.push_back(all[i]);  // pad with the head, cycling
  }
  std::vector<std::int64_t> mine;
  mine.reserve(static_cast<std::size_t>(num_samples_));
  for (std::size_t i = static_cast<std::size_t>(rank_); i < all.size(); i += static_cast<std::size_t>(num_replicas_))
    mine.push_back(all[i]);
  return mine;
}

}  // namespace tapegrad::datasets
