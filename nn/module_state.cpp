// Module::state_dict / load_state_dict: parameters and buffers by their dotted names.
#include <map>
#include <stdexcept>

#include "../core/autograd.hpp"
#include "module.hpp"

namespace tapegrad::nn {

std::vector<std::pair<std::string, Tensor>> Module::state_dict() const {
  auto out = named_parameters();
  for (auto& entry : named_buffers()) out.push_back(std::move(entry));
  return out;
}

Module::LoadResult Module::load_state_dict(const std::vector<std::pair<std::string, Tensor>>& dict, bool strict) {
  std::map<std::string, Tensor> own;
  for (auto& [name, t] : state_dict()) own.emplace(name, t);
  LoadResult result;
  std::vector<std::string> errors;
  std::map<std::string, Tensor> given;
  for (const auto& [name, t] : dict) {
    if (!given.emplace(name, t).second) errors.push_back("Duplicate key \"" + name + "\" in state_dict.");
    auto it = own.find(name);
    if (it == own.end()) {
      result.unexpected_keys.push_back(name);
      continue;
    }
    if (!t.defined()) errors.push_back("undefined tensor for " + name + ".");
    else if (t.shape() != it->second.shape())
      errors.push_back("size mismatch for " + name + ": copying a param with shape " + shape_str(t.shape()) +
                       " from checkpoint, the shape in current model is " + shape_str(it->second.shape()) + ".");
  }
  for (const auto& [name, t] : own)
    if (!given.count(name)) result.missing_keys.push_back(name);
  auto quoted = [](const std::vector<std::string>& keys) {
    std::string s;
    for (std::size_t i = 0; i < keys.size(); ++i) s += (i ? ", \"" : "\"") + keys[i] + "\"";
    return s;
  };
  if (strict && !result.unexpected_keys.empty())
    errors.insert(errors.begin(), "Unexpected key(s) in state_dict: " + quoted(result.unexpected_keys) + ". ");
  if (strict && !result.missing_keys.empty())
    errors.insert(errors.begin(), "Missing key(s) in state_dict: " + quoted(result.missing_keys) + ". ");
  if (!errors.empty()) {
    std::string message = "Error(s) in loading state_dict for " + repr() + ":";
    for (const auto& e : errors) message += "\n\t" + e;
    throw std::runtime_error(message);
  }
  NoGradGuard no_grad;  // a load replaces values; it is no differentiable op
  for (const auto& [name, t] : dict)
    if (auto it = own.find(name); it != own.end()) it->second.copy_(t);
  return result;
}

}  // namespace tapegrad::nn
