#include "dataloader.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "../core/random.hpp"
#include "shuffle.hpp"
#include "state_reader.hpp"

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
  epoch_engine_ = engine_;
  std::shared_ptr<std::vector<std::int64_t>> order;
  if (options_.sampler()) {
    order = std::make_shared<std::vector<std::int64_t>>(options_.sampler()->epoch_indices());
  } else {
    order = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(dataset_->size()));
    std::iota(order->begin(), order->end(), std::int64_t{0});
    if (options_.shuffle()) detail::shuffle_in_place(*order, engine_);
  }
  const std::int64_t first = std::exchange(resume_batches_, 0);
  auto received = std::make_shared<std::int64_t>(first);
  received_ = received;
  return Iterator(this, std::move(order), first, std::move(received));
}

DataLoader::Iterator DataLoader::end() { return Iterator(this, nullptr, size(), nullptr); }

namespace {
// Where the order of every epoch comes from: a load refuses a state saved under another.
std::string order_name(const DataLoaderOptions& o) { return o.sampler() ? "sampler" : o.shuffle() ? "shuffle" : "sequential"; }
}  // namespace

StateDict DataLoader::state_dict() const {
  const auto received = received_.lock();  // an epoch in progress: the position inside it
  StateDict d;
  d.values["epoch"] = std::to_string(received ? epochs_ - 1 : epochs_);
  d.values["batches"] = std::to_string(received ? *received : resume_batches_);
  d.values["generator"] = engine_text(received ? epoch_engine_ : engine_);
  d.values["dataset_size"] = std::to_string(dataset_->size());
  d.values["batch_size"] = std::to_string(options_.batch_size());
  d.values["drop_last"] = detail::bool_text(options_.drop_last());
  d.values["order"] = order_name(options_);
  if (options_.sampler())
    for (const auto& [key, value] : options_.sampler()->state_dict().values) d.values["sampler." + key] = value;
  return d;
}

void DataLoader::load_state_dict(const StateDict& dict) {
  detail::StateReader reader(dict, "DataLoader");
  reader.expect("order", order_name(options_));
  reader.expect("dataset_size", std::to_string(dataset_->size()));
  reader.expect("batch_size", std::to_string(options_.batch_size()));
  reader.expect("drop_last", detail::bool_text(options_.drop_last()));
  const std::int64_t epoch = reader.integer("epoch");
  if (epoch < 0) reader.fail("\"epoch\" must be >= 0, got " + std::to_string(epoch));
  std::mt19937_64 engine;
  try {
    engine = engine_from_text(reader.text("generator"), "\"generator\"");
  } catch (const std::invalid_argument& e) {
    reader.fail(e.what());
  }
  const StateDict sampler = reader.sub_dict("sampler");
  const std::int64_t batches = reader.integer("batches");
  reader.check_nothing_left();
  // The sampler checks its own configuration (which the epoch's length depends on) before it changes,
  // and is put back if the batch count does not fit that epoch.
  const auto& own_sampler = options_.sampler();
  const StateDict sampler_before = own_sampler ? own_sampler->state_dict() : StateDict{};
  if (own_sampler) own_sampler->load_state_dict(sampler);
  if (batches < 0 || batches > size()) {
    if (own_sampler) own_sampler->load_state_dict(sampler_before);
    reader.fail("\"batches\" is " + std::to_string(batches) + ", but an epoch of this DataLoader has " +
                std::to_string(size()) + " batches");
  }
  engine_ = engine;
  epochs_ = epoch;
  resume_batches_ = batches;
  received_.reset();  // an iterator still alive belongs to the epoch the state replaces
}

Example& DataLoader::Iterator::operator*() {
  if (!loaded_) {
    const std::int64_t batch_size = loader_->options_.batch_size();
    const std::int64_t first = batch_ * batch_size;
    const std::int64_t count = std::min(batch_size, static_cast<std::int64_t>(order_->size()) - first);
    current_ = loader_->dataset_->get_batch(std::span(order_->data() + first, static_cast<std::size_t>(count)));
    loaded_ = true;
    if (received_) *received_ = batch_ + 1;
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
