// Optimizer::state_dict / load_state_dict: the options of every group as text, each parameter's step
// count as text and its state tensors by name ("state.3.exp_avg"), like PyTorch's state_dict.
#include <charconv>
#include <set>
#include <stdexcept>
#include <string>

#include "optimizer.hpp"

namespace tapegrad::optim {
namespace {

std::string field_text(const OptimizerOptions::Field& f) {
  if (auto d = std::get_if<double*>(&f)) return number_text(**d);
  return *std::get<bool*>(f) ? "true" : "false";
}

const std::string& lookup(const StateDict& dict, const std::string& key) {
  auto it = dict.values.find(key);
  if (it == dict.values.end()) throw std::runtime_error("optimizer state_dict: missing key \"" + key + "\"");
  return it->second;
}

double parse_double(const std::string& text, const std::string& key) {
  double v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::runtime_error("optimizer state_dict: \"" + key + "\" is not a number: " + text);
  return v;
}

std::int64_t parse_int(const std::string& text, const std::string& key) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size())
    throw std::runtime_error("optimizer state_dict: \"" + key + "\" is not an integer: " + text);
  return v;
}

}  // namespace

StateDict Optimizer::state_dict() const {
  StateDict d;
  d.values["optimizer"] = name();
  d.values["param_groups"] = std::to_string(groups_.size());
  std::size_t index = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    d.values[prefix + "size"] = std::to_string(groups_[g].params().size());
    auto options = groups_[g].options().clone();
    for (const auto& [field, ref] : options->fields()) d.values[prefix + field] = field_text(ref);
    if (groups_[g].initial_lr()) d.values[prefix + "initial_lr"] = number_text(*groups_[g].initial_lr());
    const auto names = state_names(groups_[g].options());
    for (std::size_t k = 0; k < groups_[g].params().size(); ++k, ++index) {
      const auto& s = state_[index];
      if (!s) continue;
      check_state_count(index, s->tensors.size(), names);  // the names label the tensors by position
      const std::string sp = "state." + std::to_string(index) + ".";
      d.values[sp + "step"] = std::to_string(s->step);
      for (std::size_t t = 0; t < names.size(); ++t) d.tensors.emplace_back(sp + names[t], s->tensors[t].clone());
    }
  }
  return d;
}

void Optimizer::load_state_dict(const StateDict& dict) {
  if (lookup(dict, "optimizer") != name())
    throw std::runtime_error("optimizer state_dict: it belongs to " + lookup(dict, "optimizer") + ", not " + name());
  if (parse_int(lookup(dict, "param_groups"), "param_groups") != static_cast<std::int64_t>(groups_.size()))
    throw std::runtime_error("loaded state dict has a different number of parameter groups");
  std::set<std::string> used_values{"optimizer", "param_groups"}, used_tensors;
  std::vector<std::unique_ptr<OptimizerOptions>> new_options;
  std::vector<std::optional<double>> new_initial_lrs;
  std::vector<std::unique_ptr<OptimizerParamState>> new_state(state_.size());
  std::size_t index = 0;
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    used_values.insert(prefix + "size");
    if (parse_int(lookup(dict, prefix + "size"), prefix + "size") != static_cast<std::int64_t>(groups_[g].params().size()))
      throw std::runtime_error("loaded state dict contains a parameter group that doesn't match the size of optimizer's group");
    auto options = groups_[g].options().clone();
    for (auto& [field, ref] : options->fields()) {
      const std::string key = prefix + field;
      const std::string& text = lookup(dict, key);
      used_values.insert(key);
      if (auto d = std::get_if<double*>(&ref)) **d = parse_double(text, key);
      else if (text == "true" || text == "false") *std::get<bool*>(ref) = text == "true";
      else throw std::runtime_error("optimizer state_dict: \"" + key + "\" is not true or false: " + text);
    }
    std::optional<double> initial_lr;
    if (auto it = dict.values.find(prefix + "initial_lr"); it != dict.values.end()) {
      initial_lr = parse_double(it->second, it->first);
      used_values.insert(it->first);
    }
    new_initial_lrs.push_back(initial_lr);
    try {
      options->validate();
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(std::string("optimizer state_dict: ") + e.what());
    }
    const auto names = state_names(*options);
    for (std::size_t k = 0; k < groups_[g].params().size(); ++k, ++index) {
      const std::string sp = "state." + std::to_string(index) + ".";
      auto it = dict.values.find(sp + "step");
      if (it == dict.values.end()) continue;  // no state for this parameter
      used_values.insert(sp + "step");
      auto s = std::make_unique<OptimizerParamState>();
      s->step = parse_int(it->second, sp + "step");
      const Tensor& p = groups_[g].params()[k];
      for (const auto& n : names) {
        const std::string key = sp + n;
        Tensor found;
        for (const auto& [tn, t] : dict.tensors)
          if (tn == key) found = t;
        if (!found.defined()) throw std::runtime_error("optimizer state_dict: missing tensor \"" + key + "\"");
        if (found.shape() != p.shape() || found.dtype() != p.dtype())
          throw std::runtime_error("optimizer state_dict: \"" + key + "\" is " + dtype_name(found.dtype()) +
                                   shape_str(found.shape()) + " but its parameter is " + dtype_name(p.dtype()) +
                                   shape_str(p.shape()));
        used_tensors.insert(key);
        s->tensors.push_back(found.clone());
      }
      new_state[index] = std::move(s);
    }
    new_options.push_back(std::move(options));
  }
  for (const auto& [key, v] : dict.values)
    if (!used_values.count(key)) throw std::runtime_error("optimizer state_dict: unexpected key \"" + key + "\"");
  for (const auto& [key, t] : dict.tensors)
    if (!used_tensors.count(key)) throw std::runtime_error("optimizer state_dict: unexpected tensor \"" + key + "\"");
  // Everything checked: commit.
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    groups_[g].set_options(std::move(new_options[g]));
    groups_[g].initial_lr() = new_initial_lrs[g];
  }
  state_ = std::move(new_state);
}

}  // namespace tapegrad::optim
