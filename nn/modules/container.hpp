// The containers. Sequential runs its children in order, each one's output feeding the next:
//   Sequential model(Linear(784, 512), ReLU(), Linear(512, 10));
// Children are named "0", "1", ... (so named_parameters gives "0.weight"). Any module with a
// `forward(const Tensor&)` can be added, user-defined ones included.
// ModuleList and ModuleDict register modules (so parameters(), to(), clone() see them) without defining
// a forward: the owner decides how to call them.
//   nn::ModuleList blocks;  blocks.push_back(nn::Linear(8, 8));  blocks.push_back(std::make_shared<nn::GELU>());
//   for (auto& m : blocks) ...;  blocks.at<nn::Linear>(0).weight
//   nn::ModuleDict heads;  heads.insert("cls", nn::Linear(8, 3));  heads["cls"]
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../module.hpp"

namespace tapegrad::nn {

template <class M>
concept UnaryModule = std::derived_from<M, Module> && requires(M& m, const Tensor& x) {
  { m.forward(x) } -> std::convertible_to<Tensor>;
};

class Sequential : public Module {
 public:
  Sequential() = default;
  // Takes the modules by value (moved in: modules are not copyable).
  template <class... M>
    requires(sizeof...(M) > 0 && (UnaryModule<std::remove_cvref_t<M>> && ...))
  explicit Sequential(M&&... modules) {
    static_assert((!std::is_lvalue_reference_v<M> && ...),
                  "Sequential takes modules by value: pass temporaries or std::move(module)");
    (push_back(std::forward<M>(modules)), ...);
  }

  // Appends a module by value (moved) or a shared one (the caller keeps access to it).
  template <UnaryModule M> void push_back(M&& module) {
    push_back(std::make_shared<M>(std::move(module)));
  }
  template <UnaryModule M> void push_back(std::shared_ptr<M> module) {
    if (!module) throw std::invalid_argument("Sequential::push_back: null module");
    // The forward is stored apart from the module it runs, so a clone() can reuse it on its own copies.
    steps_.push_back({module.get(), [](Module& m, const Tensor& x) { return Tensor(static_cast<M&>(m).forward(x)); }});
    add_child(std::to_string(steps_.size() - 1), std::move(module));
  }

  Tensor forward(const Tensor& input) const;
  Tensor operator()(const Tensor& input) const { return forward(input); }

  std::size_t size() const { return steps_.size(); }
  bool is_empty() const { return steps_.empty(); }
  // The i-th child (std::out_of_range past the end).
  Module& operator[](std::size_t index) const;
  // The i-th child as its concrete type (std::invalid_argument if it is not an M).
  template <class M> M& at(std::size_t index) const {
    auto* typed = dynamic_cast<M*>(&(*this)[index]);
    if (!typed) throw std::invalid_argument("Sequential::at: child " + std::to_string(index) + " is not of the requested type");
    return *typed;
  }
  std::string repr() const override { return "Sequential"; }
  std::shared_ptr<Module> clone() const override;

 private:
  // The children (owned through named_children()) with their forwards, in order.
  struct Step {
    Module* module;
    Tensor (*forward)(Module&, const Tensor&);
  };
  std::vector<Step> steps_;
};


class ModuleList : public Module {
 public:
  ModuleList() = default;
  // Appends a module by value (moved) or a shared one; children are named "0", "1", ...
  template <class M>
    requires(std::derived_from<std::remove_cvref_t<M>, Module> && !std::is_lvalue_reference_v<M>)
  void push_back(M&& module) {
    push_back(std::make_shared<std::remove_cvref_t<M>>(std::move(module)));
  }
  void push_back(std::shared_ptr<Module> module);

  std::size_t size() const { return modules_.size(); }
  bool is_empty() const { return modules_.empty(); }
  // The i-th module (std::out_of_range past the end; negative counts from the end, as Python).
  const std::shared_ptr<Module>& ptr(std::int64_t index) const;
  Module& operator[](std::int64_t index) const { return *ptr(index); }
  // The i-th module as its concrete type (std::invalid_argument if it is not an M).
  template <class M> M& at(std::int64_t index) const {
    auto* typed = dynamic_cast<M*>(ptr(index).get());
    if (!typed) throw std::invalid_argument("ModuleList::at: module " + std::to_string(index) + " is not of the requested type");
    return *typed;
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  std::string repr() const override { return "ModuleList"; }
  std::shared_ptr<Module> clone() const override;

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

class ModuleDict : public Module {
 public:
  ModuleDict() = default;
  // Adds a module under `key` (a new key keeps insertion order; std::invalid_argument if taken).
  template <class M>
    requires(std::derived_from<std::remove_cvref_t<M>, Module> && !std::is_lvalue_reference_v<M>)
  void insert(const std::string& key, M&& module) {
    insert(key, std::make_shared<std::remove_cvref_t<M>>(std::move(module)));
  }
  void insert(const std::string& key, std::shared_ptr<Module> module);

  std::size_t size() const { return keys_.size(); }
  bool contains(const std::string& key) const;
  const std::vector<std::string>& keys() const { return keys_; }
  // The module under `key` (std::out_of_range naming the key when absent, as Python's KeyError).
  const std::shared_ptr<Module>& ptr(const std::string& key) const;
  Module& operator[](const std::string& key) const { return *ptr(key); }
  template <class M> M& at(const std::string& key) const {
    auto* typed = dynamic_cast<M*>(ptr(key).get());
    if (!typed) throw std::invalid_argument("ModuleDict::at: module \"" + key + "\" is not of the requested type");
    return *typed;
  }

  std::string repr() const override { return "ModuleDict"; }
  std::shared_ptr<Module> clone() const override;

 private:
  std::vector<std::string> keys_;
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace tapegrad::nn
