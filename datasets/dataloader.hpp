// DataLoader: batches of a Dataset for a range-for, optionally shuffled anew each epoch; its
// state_dict is its position in that sequence of epochs, so a resumed run continues the same order.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <type_traits>
#include <vector>

#include "../core/arg.hpp"
#include "../core/state_dict.hpp"
#include "dataset.hpp"
#include "sampler.hpp"

namespace tapegrad::datasets {

// libtorch-style options: DataLoaderOptions(64).shuffle(true).seed(1).drop_last(true).
struct DataLoaderOptions {
  DataLoaderOptions(std::int64_t batch_size = 1) : batch_size_(batch_size) {}  // NOLINT: DataLoader(ds, 64)
  TAPEGRAD_ARG(std::int64_t, batch_size);
  TAPEGRAD_ARG(bool, shuffle) = false;
  // Seeds the shuffling; without it the loader draws its seed from tapegrad's generator, so
  // tapegrad::manual_seed makes the order reproducible too.
  TAPEGRAD_ARG(std::optional<std::uint64_t>, seed);
  TAPEGRAD_ARG(bool, drop_last) = false;
  // Decides each epoch's example order instead of `shuffle` (e.g. a DistributedSampler); the two are
  // mutually exclusive. Not const: the loader's load_state_dict restores the sampler's state too.
  TAPEGRAD_ARG(std::shared_ptr<Sampler>, sampler);
};

class DataLoader {
 public:
  // Borrows `dataset`, which must outlive the loader. std::invalid_argument when batch_size < 1.
  DataLoader(const Dataset& dataset, DataLoaderOptions options);
  // Takes ownership of a temporary dataset: DataLoader(MNIST("data/mnist"), 64).
  template <class D>
    requires std::derived_from<D, Dataset> && (!std::is_lvalue_reference_v<D>)
  DataLoader(D&& dataset, DataLoaderOptions options)
      : DataLoader(std::shared_ptr<const Dataset>(std::make_shared<const D>(std::move(dataset))), options) {}
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options);

  // Walks the batches of one epoch; dereferencing yields the current batch {data, target}, fetched
  // on first access: from then on the loader counts it as received (state_dict). Iterators of
  // different epochs are independent; the epoch is in progress while an iterator of it exists (a
  // range-for's, until the loop ends, by its end or by a break).
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Example;
    using difference_type = std::ptrdiff_t;
    using pointer = Example*;
    using reference = Example&;

    Example& operator*();
    Example* operator->() { return &**this; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return batch_ == other.batch_; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, std::shared_ptr<const std::vector<std::int64_t>> order, std::int64_t batch,
             std::shared_ptr<std::int64_t> received)
        : loader_(loader), order_(std::move(order)), batch_(batch), received_(std::move(received)) {}
    const DataLoader* loader_;
    std::shared_ptr<const std::vector<std::int64_t>> order_;  // this epoch's example order
    std::int64_t batch_;
    std::shared_ptr<std::int64_t> received_;  // batches of this epoch the user has received (shared by copies)
    Example current_;
    bool loaded_ = false;
  };

  // Starts an epoch: with shuffle, a new permutation each call (reproducible from the seed). After
  // load_state_dict, the first call continues the saved epoch instead, at its first batch not received.
  Iterator begin();
  Iterator end();

  // Batches per epoch: ceil(N / B), or floor(N / B) with drop_last; N is the sampler's size if one is set.
  std::int64_t size() const;
  std::int64_t epochs_started() const { return epochs_; }
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }

  // The loader's position, in the optimizers' state-dict form (text values): "epoch", the epoch in
  // progress (0 for the first) or, between epochs, the next one; "batches", how many of its batches
  // the user has received (dereferenced; a batch fetched ahead does not count); "generator", the
  // shuffle engine's state from which that epoch's order is drawn; the sampler's state under
  // "sampler."; and the configuration a load checks (dataset_size, batch_size, drop_last, order).
  StateDict state_dict() const;
  // Restores a position: the next begin() redraws that epoch's order and skips the batches already
  // received (none between epochs, when it starts the next epoch). Everything is checked before
  // anything changes: another dataset size, batch size, drop_last, order (sequential, shuffle or
  // sampler) or sampler configuration, a missing or unexpected key, a batch count beyond the epoch:
  // std::runtime_error naming it.
  void load_state_dict(const StateDict& dict);

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::mt19937_64 engine_;
  std::mt19937_64 epoch_engine_;  // engine_ before it drew the latest epoch's order
  std::int64_t epochs_ = 0;
  std::weak_ptr<std::int64_t> received_;  // the latest epoch's count; expired once its iterators are gone
  std::int64_t resume_batches_ = 0;       // set by load_state_dict: batches the next begin() skips
};

}  // namespace tapegrad::datasets
