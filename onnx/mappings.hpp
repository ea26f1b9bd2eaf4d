// The mapping table: for each module type with an ONNX equivalent, how to run it while tracing and
// which ONNX nodes stand for it. Adding a layer to the export is adding one entry in mappings.cpp.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "../nn/module.hpp"
#include "graph.hpp"

namespace tapegrad::onnx {

struct Mapping {
  std::string module;                  // the module's class name, for messages
  std::vector<std::string> ops;        // the ops its forward records (so an unmapped op can be told apart)
  // Null when `m` is not of this mapping's type.
  std::function<bool(const nn::Module& m)> matches;
  // The module's forward (in eval mode) on the traced value (non-const: BatchNorm's forward is).
  std::function<Tensor(nn::Module& m, const Tensor& x)> forward;
  // Adds the nodes computing the module's output from the value named `input` (whose traced value is
  // `x`); parameters are named `prefix` + their name ("0." + "weight"). Returns the output's name.
  std::function<std::string(Graph& g, const nn::Module& m, const std::string& prefix, const std::string& input,
                            const Tensor& x)>
      emit;
};

// One entry for module type M: `emit` receives the module as an M.
template <class M>
Mapping entry(std::string name, std::vector<std::string> ops,
              std::function<std::string(Graph&, const M&, const std::string&, const std::string&, const Tensor&)> emit) {
  return Mapping{std::move(name), std::move(ops),
                 [](const nn::Module& m) { return dynamic_cast<const M*>(&m) != nullptr; },
                 [](nn::Module& m, const Tensor& x) { return Tensor(static_cast<M&>(m).forward(x)); },
                 [emit](Graph& g, const nn::Module& m, const std::string& prefix, const std::string& input,
                        const Tensor& x) { return emit(g, static_cast<const M&>(m), prefix, input, x); }};
}

// The table: the MLP layers (mappings.cpp) then the convolutional ones (mappings_conv.cpp).
const std::vector<Mapping>& mappings();
std::vector<Mapping> conv_mappings();
// The entry for `m`, or null.
const Mapping* find_mapping(const nn::Module& m);

}  // namespace tapegrad::onnx
