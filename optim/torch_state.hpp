// An optimizer's state in PyTorch's layout, so a training run can go on on the other side: what
// torch.optim's state_dict() of PyTorch 1.13 returns and torch.save writes,
//   {"state": {<parameter index>: {"step": ..., "exp_avg": tensor, ...}},
//    "param_groups": [{"lr": 0.001, "betas": (0.9, 0.999), ..., "params": [0, 1, ...]}]}
// Parameters are numbered across the groups in order, as Optimizer::parameters() lists them. The
// state tensors carry PyTorch's names, which are tapegrad's (Optimizer::state_names); "step" is
// stored as PyTorch 1.13 stores it: a 0-d float32 tensor for Adam, AdamW and Adagrad, an int for
// RMSprop and Adadelta, and not at all for SGD (whose momentum buffer says it has stepped). Options
// are tapegrad's fields by their PyTorch names (beta1 and beta2 as "betas"), plus "initial_lr" when a
// scheduler set one; PyTorch's implementation switches (foreach, capturable, differentiable, fused)
// are not written (PyTorch fills in its defaults on loading) and are read only when off.
// The PyTorch side reads such a file with torch.load(path, weights_only=False): 1.13's weights_only
// unpickler cannot read the options' floats.
#pragma once

#include <string>

#include "../core/io/pt_value.hpp"
#include "optimizer.hpp"

namespace tapegrad {

// libtorch's torch::save(optimizer, path) / torch::load(optimizer, path), in PyTorch's .pt format
// (core/io/pt.hpp) whatever the name: written atomically; loaded all or nothing (std::runtime_error
// naming the file and the problem, the optimizer untouched: another optimizer's state, other groups,
// shapes or dtypes are refused as Optimizer::load_state_dict refuses them).
void save(const optim::Optimizer& optimizer, const std::string& path);
void load(optim::Optimizer& optimizer, const std::string& path);

namespace optim {

// The same as object trees.
io::PtValue torch_state_dict(const Optimizer& optimizer);
// `name` names the file in errors.
void load_torch_state_dict(Optimizer& optimizer, const io::PtValue& state, const std::string& name);

}  // namespace optim
}  // namespace tapegrad
