// A training checkpoint: everything a run needs to continue exactly where it stopped, in one
// safetensors file written atomically (io::write_safetensors): the model's state_dict as
// "model.<name>", the optimizer's state tensors as "optimizer.<name>", and in the string metadata the
// optimizer's options and step counts ("optimizer.*"), the scheduler's counters ("scheduler.*"), the
// random generator's state ("rng"), when given the DataLoader its position ("loader.*", see
// DataLoader::state_dict) and the caller's own entries (configuration, epoch, ...).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "../nn/module.hpp"
#include "optimizer.hpp"

namespace tapegrad::datasets {
class DataLoader;
}

namespace tapegrad::optim {

using CheckpointMetadata = std::map<std::string, std::string>;

// `scheduler` may be empty (no scheduler). Caller keys must not start with "optimizer.", "scheduler."
// or "loader.", or be "rng" (std::invalid_argument).
void save_training_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                              const StateDict& scheduler, const CheckpointMetadata& metadata);
// The same with the loader's position, so that the resumed run sees the same batches in the same
// order: saved inside the loop over the loader (after the step on a batch), it resumes at the next
// batch of that epoch; saved after the loop, at the next epoch's first batch.
void save_training_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                              const StateDict& scheduler, const CheckpointMetadata& metadata,
                              const datasets::DataLoader& loader);

// The caller's metadata of a checkpoint, without loading anything (to compare configurations first).
CheckpointMetadata read_checkpoint_metadata(const std::string& path);

// Loads model, optimizer, scheduler (through `load_scheduler`, given the "scheduler.*" entries) and
// the generator state. All or nothing: on any error (another model or optimizer, missing or extra
// keys, a corrupt file) everything is restored to what it was and std::runtime_error is thrown.
// Returns the caller's metadata. A checkpoint saved with a loader is refused here: its position
// would be lost and the run would go on with another data order; load it with the overload below.
CheckpointMetadata load_training_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer,
                                            const std::function<void(const StateDict&)>& load_scheduler,
                                            const std::function<StateDict()>& save_scheduler);
// The same, and the loader's position (DataLoader::load_state_dict: its next begin() continues the
// saved epoch). A checkpoint saved without a loader, or with another loader configuration (dataset
// size, batch size, ...), is refused, naming what differs.
CheckpointMetadata load_training_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer,
                                            const std::function<void(const StateDict&)>& load_scheduler,
                                            const std::function<StateDict()>& save_scheduler,
                                            datasets::DataLoader& loader);

}  // namespace tapegrad::optim
