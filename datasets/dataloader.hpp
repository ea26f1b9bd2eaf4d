// DataLoader: batches of a Dataset for a range-for, optionally shuffled anew each epoch.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <type_traits>
#include <vector>

#include "../core/arg.hpp"
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
  // mutually exclusive.
  TAPEGRAD_ARG(std::shared_ptr<const Sampler>, sampler);
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
  // on first access. Iterators of different epochs are independent.
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
    Iterator(const DataLoader* loader, std::shared_ptr<const std::vector<std::int64_t>> order, std::int64_t batch)
        : loader_(loader), order_(std::move(order)), batch_(batch) {}
    const DataLoader* loader_;
    std::shared_ptr<const std::vector<std::int64_t>> order_;  // this epoch's example order
    std::int64_t batch_;
    Example current_;
    bool loaded_ = false;
  };

  // Starts an epoch: with shuffle, a new permutation each call (reproducible from the seed).
  Iterator begin();
  Iterator end();

  // Batches per epoch: ceil(N / B), or floor(N / B) with drop_last; N is the sampler's size if one is set.
  std::int64_t size() const;
  std::int64_t epochs_started() const { return epochs_; }
  const DataLoaderOptions& options() const { return options_; }
  const Dataset& dataset() const { return *dataset_; }

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  std::mt19937_64 engine_;
  std::int64_t epochs_ = 0;
};

}  // namespace tapegrad::datasets
