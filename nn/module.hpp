// Module: the base of every layer and model. Holds named parameters and named child modules;
// non-copyable (parameters are shared handles, a copy would silently alias them) but movable, so
// Sequential(Linear(784, 512), ReLU()) can take its layers by value.
#pragma once

#include <memory>
#include <ostream>
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

  // Short name used when printing ("Linear(in_features=784, out_features=512, bias=true)").
  virtual std::string repr() const { return "Module"; }

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
  void add_child(std::string name, std::shared_ptr<Module> module);
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
