#include "training_checkpoint.hpp"

#include <stdexcept>

#include "../core/autograd.hpp"
#include "../core/io/safetensors.hpp"
#include "../core/random.hpp"
#include "../datasets/dataloader.hpp"

namespace tapegrad::optim {
namespace {

const std::string kModel = "model.", kOptimizer = "optimizer.", kScheduler = "scheduler.", kLoader = "loader.",
                  kRng = "rng";

bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

struct Split {
  std::vector<std::pair<std::string, Tensor>> model;
  StateDict optimizer, scheduler, loader;
  std::string rng;
  CheckpointMetadata user;
};

Split split(io::SafetensorsContents contents, const std::string& path) {
  Split s;
  for (auto& [name, t] : contents.tensors) {
    if (starts_with(name, kModel)) s.model.emplace_back(name.substr(kModel.size()), t);
    else if (starts_with(name, kOptimizer)) s.optimizer.tensors.emplace_back(name.substr(kOptimizer.size()), t);
    else throw std::runtime_error("checkpoint '" + path + "': unexpected tensor \"" + name + "\"");
  }
  for (auto& [key, value] : contents.metadata) {
    if (starts_with(key, kOptimizer)) s.optimizer.values[key.substr(kOptimizer.size())] = value;
    else if (starts_with(key, kScheduler)) s.scheduler.values[key.substr(kScheduler.size())] = value;
    else if (starts_with(key, kLoader)) s.loader.values[key.substr(kLoader.size())] = value;
    else if (key == kRng) s.rng = value;
    else s.user[key] = value;
  }
  if (s.rng.empty() || s.optimizer.values.empty())
    throw std::runtime_error("checkpoint '" + path + "' is not a training checkpoint (no optimizer or generator state)");
  return s;
}

bool reserved(const std::string& key) {
  return starts_with(key, kOptimizer) || starts_with(key, kScheduler) || starts_with(key, kLoader) || key == kRng ||
         key == "format";
}

// Both save_training_checkpoint overloads: `loader` may be null.
void save(const std::string& path, const nn::Module& model, const Optimizer& optimizer, const StateDict& scheduler,
          const CheckpointMetadata& metadata, const datasets::DataLoader* loader) {
  io::NamedTensors tensors;
  io::SafetensorsMetadata meta;
  for (const auto& [key, value] : metadata) {
    if (reserved(key)) throw std::invalid_argument("save_training_checkpoint: metadata key \"" + key + "\" is reserved");
    meta[key] = value;
  }
  for (const auto& [name, t] : model.state_dict()) tensors.emplace_back(kModel + name, t);
  const StateDict opt = optimizer.state_dict();
  for (const auto& [name, t] : opt.tensors) tensors.emplace_back(kOptimizer + name, t);
  for (const auto& [key, value] : opt.values) meta[kOptimizer + key] = value;
  for (const auto& [key, value] : scheduler.values) meta[kScheduler + key] = value;
  if (loader)
    for (const auto& [key, value] : loader->state_dict().values) meta[kLoader + key] = value;
  meta[kRng] = get_rng_state();
  meta["format"] = "pt";
  io::write_safetensors(path, tensors, meta);
}

// Both load_training_checkpoint overloads: `loader` may be null.
CheckpointMetadata load(const std::string& path, nn::Module& model, Optimizer& optimizer,
                        const std::function<void(const StateDict&)>& load_scheduler,
                        const std::function<StateDict()>& save_scheduler, datasets::DataLoader* loader) {
  Split s = split(io::read_safetensors(path), path);
  s.user.erase("format");
  if (!loader && !s.loader.values.empty())
    throw std::runtime_error("checkpoint '" + path + "' holds a DataLoader's position: pass the loader to "
                             "load_training_checkpoint, or the resumed run would see another data order");
  if (loader && s.loader.values.empty())
    throw std::runtime_error("checkpoint '" + path + "' has no DataLoader state (it was saved without the loader)");
  // Snapshots to roll back to: each load below validates before it writes, but a later one may fail.
  std::vector<std::pair<std::string, Tensor>> model_before;
  for (const auto& [name, t] : model.state_dict()) model_before.emplace_back(name, t.detach().clone());
  const StateDict optimizer_before = optimizer.state_dict();
  const StateDict scheduler_before = save_scheduler ? save_scheduler() : StateDict{};
  const std::string rng_before = get_rng_state();
  try {
    model.load_state_dict(s.model, true);
    optimizer.load_state_dict(s.optimizer);
    if (load_scheduler) load_scheduler(s.scheduler);
    set_rng_state(s.rng);
    if (loader) loader->load_state_dict(s.loader);  // last: it changes nothing when it throws
  } catch (const std::exception& e) {
    model.load_state_dict(model_before, true);
    optimizer.load_state_dict(optimizer_before);
    if (load_scheduler) load_scheduler(scheduler_before);
    set_rng_state(rng_before);
    throw std::runtime_error("checkpoint '" + path + "': " + e.what());
  }
  return s.user;
}

}  // namespace

CheckpointMetadata read_checkpoint_metadata(const std::string& path) {
  io::SafetensorsReader reader(path);  // the header only
  CheckpointMetadata user;
  bool training = false;
  for (const auto& [key, value] : reader.metadata()) {
    if (key == kRng) training = true;
    if (!reserved(key)) user[key] = value;
  }
  if (!training) throw std::runtime_error("checkpoint '" + path + "' is not a training checkpoint (no generator state)");
  return user;
}

void save_training_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                              const StateDict& scheduler, const CheckpointMetadata& metadata) {
  save(path, model, optimizer, scheduler, metadata, nullptr);
}

void save_training_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                              const StateDict& scheduler, const CheckpointMetadata& metadata,
                              const datasets::DataLoader& loader) {
  save(path, model, optimizer, scheduler, metadata, &loader);
}

CheckpointMetadata load_training_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer,
                                            const std::function<void(const StateDict&)>& load_scheduler,
                                            const std::function<StateDict()>& save_scheduler) {
  return load(path, model, optimizer, load_scheduler, save_scheduler, nullptr);
}

CheckpointMetadata load_training_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer,
                                            const std::function<void(const StateDict&)>& load_scheduler,
                                            const std::function<StateDict()>& save_scheduler,
                                            datasets::DataLoader& loader) {
  return load(path, model, optimizer, load_scheduler, save_scheduler, &loader);
}

}  // namespace tapegrad::optim
