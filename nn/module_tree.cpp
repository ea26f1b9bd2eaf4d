// Module's tree walks (children, named_modules, apply, num_parameters) and the deep clone.
#include <algorithm>
#include <stdexcept>

#include "../core/autograd.hpp"
#include "module.hpp"

namespace tapegrad::nn {

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, child] : children_) out.push_back(child);
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_modules(bool include_self) const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  // Non-owning handle to this module (aliasing constructor with no owner).
  std::shared_ptr<Module> self(std::shared_ptr<Module>(), const_cast<Module*>(this));
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> stack{{"", self}};
  while (!stack.empty()) {  // iterative, depth first in registration order
    auto [name, m] = stack.back();
    stack.pop_back();
    if (m.get() != this || include_self) out.emplace_back(name, m);
    const auto& kids = m->children_;
    for (auto it = kids.rbegin(); it != kids.rend(); ++it)
      stack.emplace_back(name.empty() ? it->first : name + "." + it->first, it->second);
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) const {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [name, m] : named_modules(include_self)) out.push_back(m);
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, m] : named_modules(true)) fn(*m);
}

std::int64_t Module::num_parameters(bool trainable_only) const {
  std::int64_t n = 0;
  for (const auto& p : parameters())
    if (!trainable_only || p.requires_grad()) n += p.numel();
  return n;
}

std::shared_ptr<Module> Module::clone() const {
  throw std::runtime_error("clone() is not implemented for " + repr() +
                           "; override it as `return clone_as<YourModule>(constructor arguments);`");
}

namespace {
// A detached deep copy of t with t's requires_grad.
Tensor copy_of(const Tensor& t) {
  NoGradGuard no_grad;
  Tensor c = t.detach().clone();
  if (t.requires_grad()) c.requires_grad_(true);
  return c;
}

// Puts copies of `from`'s tensors into `into`, replacing same-named entries in place (set_data keeps
// the handle the fresh module holds) and appending the others.
void copy_tensors(const std::vector<std::pair<std::string, Tensor>>& from,
                  std::vector<std::pair<std::string, Tensor>>& into) {
  for (const auto& [name, t] : from) {
    // &name = name: clang 14 cannot capture a structured binding.
    auto it = std::find_if(into.begin(), into.end(), [&name = name](const auto& e) { return e.first == name; });
    if (it == into.end()) { into.emplace_back(name, t.defined() ? copy_of(t) : Tensor()); continue; }
    if (!t.defined()) { it->second = Tensor(); continue; }
    // A fresh module built from copied options may hold the original's very handle: replace, never write through it.
    if (!it->second.defined() || it->second.is_same(t)) { it->second = copy_of(t); continue; }
    NoGradGuard no_grad;
    it->second.set_data(t.detach().clone());
    it->second.requires_grad_(t.requires_grad());
  }
}
}  // namespace

void Module::clone_state_into(Module& fresh) const {
  copy_tensors(parameters_, fresh.parameters_);
  copy_tensors(buffers_, fresh.buffers_);
  fresh.training_ = training_;
  for (const auto& [name, child] : children_) {
    auto it = std::find_if(fresh.children_.begin(), fresh.children_.end(),
                           [&name = name](const auto& e) { return e.first == name; });  // (clang 14, as above)
    if (it != fresh.children_.end()) child->clone_state_into(*it->second);
    else fresh.children_.emplace_back(name, child->clone());
  }
}

}  // namespace tapegrad::nn
