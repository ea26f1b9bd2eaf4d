// Module: the base of every layer and model. Holds named parameters and named child modules;
// non-copyable (parameters are shared handles, a copy would silently alias them) but movable, so
// Sequential(Linear(784, 512), ReLU()) can take its layers by value.
#pragma once

#include <memory>
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

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();  // zeroes every parameter's .grad in place
  // Converts every parameter to `dtype` in place: handles held elsewhere (optimizers) stay valid.
  void to(Dtype dtype);

  // Short name used when printing ("Linear(in_features=784, out_features=512, bias=true)").
  virtual std::string repr() const { return "Module"; }

 protected:
  // Registers a parameter (marked requires_grad) and returns the stored handle.
  Tensor& register_parameter(std::string name, Tensor value, bool requires_grad = true);
  // Registers a child module; returns a reference to it.
  template <class M> M& register_module(std::string name, std::shared_ptr<M> module) {
    M& ref = *module;
    add_child(std::move(name), std::move(module));
    return ref;
  }
  void add_child(std::string name, std::shared_ptr<Module> module);

 private:
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace tapegrad::nn
