#include "dataloader.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "../core/random.hpp"
#include "shuffle.hpp"

namespace tapegrad::datasets {
DataLoader::DataLoader(const Dataset& dataset, DataLoaderOptions options)
    : DataLoader(std::shared_ptr<const Dataset>(&dataset, [](const Dataset*) {}), options) {}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), options_(options),
      engine_(options.seed() ? *options.seed() : generator()()) {
  if (!dataset_) throw std::invalid_argument("DataLoader: dataset is null");
  if (options_.batch_size() < 1) {
    throw std::invalid_argument("DataLoader: batch_size must be a positive integer, got " +
                                std::to_string(options_.batch_size()));
  }
  if (options_.sampler() && options_.shuffle())
    throw std::invalid_argument("DataLoader: sampler option is mutually exclusive with shuffle");
}

std::int64_t DataLoader::size() const {
  const std::int64_t n = options_.sampler() ? options_.sampler()->size() : dataset_->size();
  const std::int64_t b = options_.batch_size();
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

DataLoader::Iterator DataLoader::begin() {
  ++epochs_;
  std::shared_ptr<std::vector<std::int64_t>> order;
  if (options_.sampler()) {
    order = std::make_shared<std::vector<std::int64_t>>(options_.sampler()->epoch_indices());
  } else {
    order = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(dataset_->size()));
    std::iota(order->begin(), order->end(), std::int64_t{0});
    if (options_.shuffle()) detail::shuffle_in_place(*order, engine_);
  }
  return Iterator(this, std::move(order), 0);
}

DataLoader::Iterator DataLoader::end() { return Iterator(this, nullptr, size()); }

Example& DataLoader::Iterator::operator*() {
  if (!loaded_) {
    const std::int64_t batch_size = loader_->options_.batch_size();
    const std::int64_t first = batch_ * batch_size;
    const std::int64_t count = std::min(batch_size, static_cast<std::int64_t>(order_->size()) - first);
    current_ = loader_->dataset_->get_batch(std::span(order_->data() + first, static_cast<std::size_t>(count)));
    loaded_ = true;
  }
  return current_;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  ++batch_;
  loaded_ = false;
  current_ = {};
  return *this;
}

}  // namespace tapegrad::datasets
