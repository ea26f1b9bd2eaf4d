#include "module.hpp"

#include <cxxabi.h>

#include <cstdlib>
#include <stdexcept>
#include <typeinfo>

#include "../core/autograd.hpp"

namespace tapegrad::nn {

Module::NamedTensors Module::collect(NamedTensors Module::*list, bool recurse) const {
  // Iterative walk (no recursion), depth first in registration order.
  NamedTensors out;
  std::vector<std::pair<std::string, const Module*>> stack{{"", this}};
  while (!stack.empty()) {
    auto [prefix, m] = stack.back();
    stack.pop_back();
    for (const auto& [name, t] : m->*list)
      if (t.defined()) out.emplace_back(prefix + name, t);
    if (!recurse) break;
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it)
      stack.emplace_back(prefix + it->first + ".", it->second.get());
  }
  return out;
}

std::vector<std::pair<std::string, Tensor>> Module::named_parameters(bool recurse) const {
  return collect(&Module::parameters_, recurse);
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers(bool recurse) const {
  return collect(&Module::buffers_, recurse);
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, p] : named_parameters(recurse)) out.push_back(p);
  return out;
}

void Module::train(bool on) {
  // Iterative walk (no recursion), like collect(): the order does not matter here.
  std::vector<Module*> stack{this};
  while (!stack.empty()) {
    Module* m = stack.back();
    stack.pop_back();
    m->training_ = on;
    for (auto& [name, child] : m->children_) stack.push_back(child.get());
  }
}

void Module::zero_grad(bool set_to_none) {
  for (auto& p : parameters()) {
    if (set_to_none) p.set_grad(Tensor());
    else p.zero_grad();
  }
}

void Module::to(Dtype dtype) {
  check_floating(dtype, "Module::to");
  for (auto& p : parameters()) {
    if (p.dtype() == dtype) continue;
    NoGradGuard no_grad;
    p.set_data(p.to(dtype));
    p.set_grad(Tensor());
  }
  for (auto& [name, b] : named_buffers()) {
    if (b.dtype() == dtype || !b.is_floating_point()) continue;
    NoGradGuard no_grad;
    b.set_data(b.to(dtype));
  }
}

Tensor Module::register_parameter(std::string name, Tensor value, bool requires_grad) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument("parameter name \"" + name + "\" must be non-empty and contain no '.'");
  for (const auto& [n, p] : parameters_)
    if (n == name) throw std::invalid_argument("parameter \"" + name + "\" is already registered");
  if (value.defined() && requires_grad) value.requires_grad_(true);
  parameters_.emplace_back(std::move(name), std::move(value));
  return parameters_.back().second;
}

Tensor Module::register_buffer(std::string name, Tensor value) {
  if (name.empty() || name.find('.') != std::string::npos)
    throw std::invalid_argument("buffer name \"" + name + "\" must be non-empty and contain no '.'");
  for (const auto& [n, b] : buffers_)
    if (n == name) throw std::invalid_argument("buffer \"" + name + "\" is already registered");
  buffers_.emplace_back(std::move(name), std::move(value));
  return buffers_.back().second;
}

void Module::add_child(std::string name, std::shared_ptr<Module> module) {
  if (!module) throw std::invalid_argument("register_module: \"" + name + "\" is null");
  for (const auto& [n, m] : children_)
    if (n == name) throw std::invalid_argument("submodule \"" + name + "\" is already registered");
  children_.emplace_back(std::move(name), std::move(module));
}

std::string Module::name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  const std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status),
                                                         std::free);
  return status == 0 && demangled ? demangled.get() : mangled;
}

std::ostream& operator<<(std::ostream& os, const Module& module) {
  // Iterative (children may nest deeply); a frame is a module to open or the ")" closing one.
  struct Frame { std::string label; const Module* module; int depth; };
  std::vector<Frame> stack{{"", &module, 0}};
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    const std::string indent(static_cast<std::size_t>(2 * f.depth), ' ');
    if (!f.module) { os << indent << ")" << (f.depth == 0 ? "" : "\n"); continue; }
    os << indent << f.label << f.module->repr();
    const auto children = f.module->named_children();
    if (children.empty()) { os << (f.depth == 0 ? "" : "\n"); continue; }
    os << "(\n";
    stack.push_back({"", nullptr, f.depth});
    for (auto it = children.rbegin(); it != children.rend(); ++it)
      stack.push_back({"(" + it->first + "): ", it->second.get(), f.depth + 1});
  }
  return os;
}

}  // namespace tapegrad::nn
