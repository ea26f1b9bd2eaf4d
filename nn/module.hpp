// Module: the base of every layer and model. Holds named parameters and named child modules;
// non-copyable (parameters are shared handles, a copy would silently alias them) but movable, so
// Sequential(Linear(784, 512), ReLU()) can take its layers by value.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <type_traits>
#include <string>
#include <utility>
#include <vector>

#include "../core/tensor.hpp"

namespace tapegrad::nn {

class Module {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;
  Module(Module&&) = default;
  Module& operator=(Module&&) = default;

  // Parameters of this module and (recursively) its children, in registration order.
  std::vector<Tensor> parameters(bool recurse = true) const;
  // Same, with dotted names: "fc1.weight", "0.bias".
  std::vector<std::pair<std::string, Tensor>> named_parameters(bool recurse = true) const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const { return children_; }
  // Buffers: tensors that belong to the module's state but are not trained (a loss's class
  // weights). to(dtype) converts them with the parameters.
  std::vector<std::pair<std::string, Tensor>> named_buffers(bool recurse = true) const;

  // Parameters and buffers under PyTorch's names ("0.weight", "fc.running_mean"): what a checkpoint
  // holds. Handles to the live tensors (clone to keep a snapshot). Defined in module_state.cpp.
  std::vector<std::pair<std::string, Tensor>> state_dict() const;
  // What load_state_dict found: with strict = false, keys missing from the dict or unknown to the module.
  struct LoadResult {
    std::vector<std::string> missing_keys, unexpected_keys;
  };
  // Copies `dict` into the parameters and buffers (converting the dtype, as PyTorch's copy_). strict:
  // missing or unexpected keys are an error. A shape mismatch always is. Everything is checked before
  // anything is written: on std::runtime_error (PyTorch's "Error(s) in loading state_dict") nothing changed.
  LoadResult load_state_dict(const std::vector<std::pair<std::string, Tensor>>& dict, bool strict = true);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Resets every parameter's .grad: to undefined by default (libtorch's set_to_none = true; the next
  // backward then hands its gradient buffers over without copying), or to zeros in place.
  void zero_grad(bool set_to_none = true);
  // Converts every parameter and floating-point buffer to `dtype` in place: handles held
  // elsewhere (optimizers, options structs) stay valid and see the new values.
  void to(Dtype dtype);

  // ---- the module tree (module_tree.cpp) ----
  // The direct children, in registration order.
  std::vector<std::shared_ptr<Module>> children() const;
  // This module (named "", when include_self) and every descendant, depth first in registration order,
  // with dotted names ("block.0"). The entry for this module itself does not own it (modules may live
  // on the stack); the descendants' entries share ownership as usual.
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules(bool include_self = true) const;
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true) const;
  // Calls fn on this module, then on every descendant (depth first, registration order), as libtorch.
  void apply(const std::function<void(Module&)>& fn);
  // Number of parameter elements (recursively); with trainable_only, of those requiring grad.
  std::int64_t num_parameters(bool trainable_only = false) const;
  // A deep copy: fresh parameters and buffers with copies of the values (and requires_grad), the same
  // training mode, the same structure; nothing is shared with the original. Every built-in module
  // implements it; a user-defined module overrides it as `return clone_as<MyNet>(constructor args);`
  // (the fresh module is built by its constructor, then the state is copied in by name).
  virtual std::shared_ptr<Module> clone() const;

  // The class's name, demangled, as libtorch's Module::name(): "Net", "app::Classifier".
  std::string name() const;
  // Short name used when printing ("Linear(in_features=784, out_features=512, bias=true)"); by
  // default name(), so a user's module prints as its class.
  virtual std::string repr() const { return name(); }

 protected:
  // Registers a parameter (marked requires_grad) and returns its handle (by value: a handle, and
  // a reference into the list would dangle after the next registration).
  Tensor register_parameter(std::string name, Tensor value, bool requires_grad = true);
  // Registers a child module; returns a reference to it.
  template <class M> M& register_module(std::string name, std::shared_ptr<M> module) {
    M& ref = *module;
    add_child(std::move(name), std::move(module));
    return ref;
  }
  // ...or by value (moved in), as register_module("fc", nn::Linear(3, 4)); returns a reference to it.
  template <class M>
    requires(std::derived_from<std::remove_cvref_t<M>, Module> && !std::is_lvalue_reference_v<M>)
  std::remove_cvref_t<M>& register_module(std::string name, M&& module) {
    return register_module(std::move(name), std::make_shared<std::remove_cvref_t<M>>(std::move(module)));
  }
  void add_child(std::string name, std::shared_ptr<Module> module);
  // clone()'s helper: builds M from args and copies this module's state into it (clone_state_into).
  template <class M, class... Args> std::shared_ptr<M> clone_as(Args&&... args) const {
    auto fresh = std::make_shared<M>(std::forward<Args>(args)...);
    clone_state_into(*fresh);
    return fresh;
  }
  // Copies parameters and buffers (by name: into the fresh module's own handles when it registered
  // them, so members like Linear::weight stay valid), the training mode and, recursively, the children:
  // into the fresh module's child of the same name, or as a clone() appended when it has none.
  void clone_state_into(Module& fresh) const;
  // Registers a buffer (an undefined tensor is allowed and skipped by named_buffers).
  Tensor register_buffer(std::string name, Tensor value);

 private:
  using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
  // The named tensors of `list` (parameters_ or buffers_) here and, if recurse, in the children.
  NamedTensors collect(NamedTensors Module::*list, bool recurse) const;
  NamedTensors parameters_;
  NamedTensors buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

// Prints the module and its children, one per line, indented:
//   Sequential(
//     (0): Linear(in_features=784, out_features=512, bias=true)
//     (1): ReLU()
//   )
std::ostream& operator<<(std::ostream& os, const Module& module);

}  // namespace tapegrad::nn
