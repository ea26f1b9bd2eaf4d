#include "torch_state.hpp"

#include <stdexcept>

#include "../core/io/pt.hpp"
#include "../core/io/safetensors.hpp"  // checkpoint_error, shown

namespace tapegrad {
namespace optim {
namespace {

using io::PtValue;
using Kind = PtValue::Kind;

// How PyTorch 1.13 keeps an optimizer's step count.
enum class StepKind { kNone, kTensor, kInt };
StepKind step_kind(const std::string& optimizer) {
  if (optimizer == "SGD") return StepKind::kNone;
  if (optimizer == "RMSprop" || optimizer == "Adadelta") return StepKind::kInt;
  return StepKind::kTensor;  // Adam, AdamW, Adagrad
}

// PyTorch's switches for its own implementations: tapegrad has one implementation, theirs when off.
bool is_torch_switch(const std::string& key) {
  return key == "foreach" || key == "capturable" || key == "differentiable" || key == "fused";
}

std::string number_or_bool_text(const PtValue& v, const std::string& key) {
  if (v.kind() == Kind::kBool) return v.as_bool() ? "true" : "false";
  if (v.kind() == Kind::kInt) return number_text(static_cast<double>(v.as_int()));
  if (v.kind() == Kind::kFloat) return number_text(v.as_float());
  throw std::invalid_argument("option '" + io::shown(key) + "' is a " + v.kind_name() + ", not a number or bool");
}

std::int64_t step_count(const PtValue& v) {
  if (v.kind() == Kind::kInt) return v.as_int();
  if (v.kind() == Kind::kTensor && v.as_tensor().numel() == 1) {
    const double step = v.as_tensor().item();
    if (step >= 0 && step < 9.007199254740992e15 && step == static_cast<double>(static_cast<std::int64_t>(step)))
      return static_cast<std::int64_t>(step);
    throw std::invalid_argument("a step count of " + number_text(step));
  }
  throw std::invalid_argument(std::string("a step count that is a ") + v.kind_name());
}

const PtValue& entry(const PtValue& dict, const std::string& key, Kind kind) {
  const PtValue* v = dict.find(key);
  if (!v) throw std::invalid_argument("no '" + key + "' entry");
  if (v->kind() != kind) throw std::invalid_argument("'" + key + "' is a " + std::string(v->kind_name()));
  return *v;
}

// PyTorch's layout, as the StateDict Optimizer::load_state_dict checks and takes.
StateDict state_dict_of(const Optimizer& optimizer, const PtValue& root) {
  if (root.kind() != Kind::kDict) throw std::invalid_argument(std::string("the file holds a ") + root.kind_name() + ", not a dict");
  StateDict d;
  d.values["optimizer"] = optimizer.name();
  const PtValue::Items& groups = entry(root, "param_groups", Kind::kList).items();
  d.values["param_groups"] = std::to_string(groups.size());
  std::int64_t index = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    if (groups[g].kind() != Kind::kDict) throw std::invalid_argument("param_groups[" + std::to_string(g) + "] is not a dict");
    for (const auto& [k, v] : groups[g].entries()) {
      if (k.kind() != Kind::kString) throw std::invalid_argument("a param_groups key is not a string");
      const std::string& key = k.as_string();
      if (key == "params") {
        const PtValue::Items& params = v.items();
        for (const PtValue& p : params)
          if (p.kind() != Kind::kInt || p.as_int() != index++)
            throw std::invalid_argument("param_groups[" + std::to_string(g) + "]['params'] does not number the parameters "
                                        "in order (0, 1, ... across the groups)");
        d.values[prefix + "size"] = std::to_string(params.size());
      } else if (key == "betas") {
        if (v.kind() != Kind::kTuple && v.kind() != Kind::kList) throw std::invalid_argument("'betas' is not a pair");
        if (v.items().size() != 2) throw std::invalid_argument("'betas' is not a pair");
        d.values[prefix + "beta1"] = number_or_bool_text(v.items()[0], "betas");
        d.values[prefix + "beta2"] = number_or_bool_text(v.items()[1], "betas");
      } else if (is_torch_switch(key)) {
        if (!v.is_none() && !(v.kind() == Kind::kBool && !v.as_bool()))
          throw std::invalid_argument("'" + key + "' is on: tapegrad has one implementation, PyTorch's default one");
      } else {
        d.values[prefix + key] = number_or_bool_text(v, key);
      }
    }
  }
  for (const auto& [k, slot] : entry(root, "state", Kind::kDict).entries()) {
    if (k.kind() != Kind::kInt || slot.kind() != Kind::kDict)
      throw std::invalid_argument("'state' is not a dict of parameter indices to dicts");
    const std::string prefix = "state." + std::to_string(k.as_int()) + ".";
    bool any = false;
    for (const auto& [name, v] : slot.entries()) {
      if (name.kind() != Kind::kString) throw std::invalid_argument("a state key is not a string");
      if (name.as_string() == "step") {
        d.values[prefix + "step"] = std::to_string(step_count(v));
      } else if (v.kind() == Kind::kTensor) {
        // Contiguous: the update kernels read state as flat arrays.
        d.tensors.emplace_back(prefix + name.as_string(), v.as_tensor().contiguous());
        any = true;
      } else if (!v.is_none()) {  // None: SGD's momentum_buffer without momentum
        throw std::invalid_argument("state entry '" + io::shown(prefix + name.as_string()) + "' is a " + v.kind_name());
      }
    }
    // SGD keeps no count: a momentum buffer means at least one step was taken (all the update asks).
    if (any && !d.values.count(prefix + "step")) d.values[prefix + "step"] = "1";
  }
  return d;
}

}  // namespace

PtValue torch_state_dict(const Optimizer& optimizer) {
  const StepKind kind = step_kind(optimizer.name());
  PtValue state = PtValue::dict(), groups = PtValue::list();
  std::int64_t index = 0;
  for (const OptimizerParamGroup& group : optimizer.param_groups()) {
    PtValue g = PtValue::dict();
    const auto options = group.options().clone();
    double beta1 = 0;
    for (const auto& [field, ref] : options->fields()) {
      if (field == "beta1") {
        beta1 = *std::get<double*>(ref);
        continue;
      }
      const PtValue value = field == "beta2" ? PtValue::tuple({PtValue::floating(beta1), PtValue::floating(*std::get<double*>(ref))})
                            : std::holds_alternative<bool*>(ref) ? PtValue::boolean(*std::get<bool*>(ref))
                                                                 : PtValue::floating(*std::get<double*>(ref));
      g.set(PtValue::string(field == "beta2" ? "betas" : field), value);
    }
    if (group.initial_lr()) g.set(PtValue::string("initial_lr"), PtValue::floating(*group.initial_lr()));
    const std::vector<std::string> names = optimizer.state_names(group.options());
    PtValue params = PtValue::list();
    for (std::size_t k = 0; k < group.params().size(); ++k, ++index) {
      params.append(PtValue::integer(index));
      const OptimizerParamState* s = optimizer.state(static_cast<std::size_t>(index));
      if (!s) continue;
      PtValue slot = PtValue::dict();
      if (kind == StepKind::kTensor) slot.set(PtValue::string("step"), PtValue::tensor(full({}, static_cast<double>(s->step))));
      if (kind == StepKind::kInt) slot.set(PtValue::string("step"), PtValue::integer(s->step));
      for (std::size_t t = 0; t < names.size(); ++t) slot.set(PtValue::string(names[t]), PtValue::tensor(s->tensors[t].clone()));
      state.set(PtValue::integer(index), slot);
    }
    g.set(PtValue::string("params"), params);
    groups.append(g);
  }
  PtValue root = PtValue::dict();
  root.set(PtValue::string("state"), state);
  root.set(PtValue::string("param_groups"), groups);
  return root;
}

void load_torch_state_dict(Optimizer& optimizer, const PtValue& state, const std::string& name) {
  StateDict d;
  try {
    d = state_dict_of(optimizer, state);
  } catch (const std::invalid_argument& e) {
    throw io::checkpoint_error(name, std::string("not PyTorch's optimizer state_dict layout: ") + e.what());
  }
  try {
    optimizer.load_state_dict(d);  // checks everything before changing anything
  } catch (const std::runtime_error& e) {
    throw io::checkpoint_error(name, e.what());
  }
}

}  // namespace optim

void save(const optim::Optimizer& optimizer, const std::string& path) {
  io::write_pt(path, optim::torch_state_dict(optimizer));
}

void load(optim::Optimizer& optimizer, const std::string& path) {
  optim::load_torch_state_dict(optimizer, io::read_pt(path), path);
}

}  // namespace tapegrad
