#include "module.hpp"

#include <stdexcept>

#include "../core/autograd.hpp"

namespace tapegrad::nn {

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  // Iterative walk (no recursion), depth first in registration order.
  std::vector<std::pair<std::string, Tensor>> out;
  std::vector<std::pair<std::string, const Module*>> stack{{"", this}};
  while (!stack.empty()) {
    auto [prefix, m] = stack.back();
    stack.pop_back();
    for (const auto& [name, p] : m->parameters_) out.emplace_back(prefix + name, p);
    if (!recurse) break;
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(prefix + it->first + ".", it->second.get());
  }
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters(recurse)) out.push_back(p);
  return out;
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& p : parameters()) p.zero_grad();
}

void Module::to(Dtype dtype) {
  check_floating(dtype, "Module::to");
  for (auto& p : parameters()) {
    if (p.dtype() == dtype) continue;
    NoGradGuard no_grad;
    p.set_data(p.to(dtype));
    p.set_grad(Tensor());
  }
}

Tensor& Module::register_parameter(std::string name, Tensor value, bool requires_grad) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument("parameter name \"" + name + "\" must be non-empty and contain no '.'");
  for (const auto& [n, p] : parameters_)
    if (n == name) throw std::invalid_argument("parameter \"" + name + "\" is already registered");
  if (value.defined() && requires_grad) value.requires_grad_(true);
  parameters_.emplace_back(std::move(name), std::move(value));
  return parameters_.back().second;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  if (!module) throw std::invalid_argument("register_module: \"" + name + "\" is null");
  for (const auto& [n, m] : children_)
    if (n == name) throw std::invalid_argument("submodule \"" + name + "\" is already registered");
  children_.emplace_back(std::move(name), std::move(module));
}

}  // namespace tapegrad::nn
