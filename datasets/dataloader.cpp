#include "dataloader.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "../core/random.hpp"

namespace tapegrad::datasets {
namespace {

// Uniform in [0, n) without modulo bias, and the same on every platform (unlike
// std::uniform_int_distribution, whose algorithm is left to the library).
std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t n) {
  const std::uint64_t reject_below = (0 - n) % n;  // 2^64 mod n
  for (;;) {
    const std::uint64_t x = engine();
    if (x >= reject_below) return x % n;
  }
}

void shuffle_in_place(std::vector<std::int64_t>& order, std::mt19937_64& engine) {
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform_below(engine, i)]);
}

}  // namespace

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
}

std::int64_t DataLoader::size() const {
  const std::int64_t n = dataset_->size(), b = options_.batch_size();
  return options_.drop_last() ? n / b : (n + b - 1) / b;
}

DataLoader::Iterator DataLoader::begin() {
  ++epochs_;
  auto order = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(dataset_->size()));
  std::iota(order->begin(), order->end(), std::int64_t{0});
  if (options_.shuffle()) shuffle_in_place(*order, engine_);
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
