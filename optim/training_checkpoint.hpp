// A training checkpoint: everything a run needs to continue exactly where it stopped, in one
// safetensors file written atomically (io::write_safetensors): the model's state_dict as
// "model.<name>", the optimizer's state tensors as "optimizer.<name>", and in the string metadata the
// optimizer's options and step counts ("optimizer.*"), the scheduler's counters ("scheduler.*"), the
// random generator's state ("rng") and the caller's own entries (configuration, epoch, ...).
#pragma once

#include <functional>
#include <map>
#include <string>

#include "../nn/module.hpp"
#include "optimizer.hpp"

namespace tapegrad::optim {

using CheckpointMetadata = std::map<std::string, std::string>;

// `scheduler` may be empty (no scheduler). Caller keys must not start with "optimizer.", "scheduler."
// or be "rng" (std::invalid_argument).
void save_training_checkpoint(const std::string& path, const nn::Module& model, const Optimizer& optimizer,
                              const StateDict& scheduler, const CheckpointMetadata& metadata);

// The caller's metadata of a checkpoint, without loading anything (to compare configurations first).
CheckpointMetadata read_checkpoint_metadata(const std::string& path);

// Loads model, optimizer, scheduler (through `load_scheduler`, given the "scheduler.*" entries) and
// the generator state. All or nothing: on any error (another model or optimizer, missing or extra
// keys, a corrupt file) everything is restored to what it was and std::runtime_error is thrown.
// Returns the caller's metadata.
CheckpointMetadata load_training_checkpoint(const std::string& path, nn::Module& model, Optimizer& optimizer,
                                            const std::function<void(const StateDict&)>& load_scheduler,
                                            const std::function<StateDict()>& save_scheduler);

}  // namespace tapegrad::optim
