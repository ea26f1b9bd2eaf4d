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
  // The module's forward (in eval mode) on the traced value.
  std::function<Tensor(const nn::Module& m, const Tensor& x)> forward;
  // Adds the nodes computing the module's output from the value named `input` (whose traced value is
  // `x`); parameters are named `prefix` + their name ("0." + "weight"). Returns the output's name.
  std::function<std::string(Graph& g, const nn::Module& m, const std::string& prefix, const std::string& input,
                            const Tensor& x)>
      emit;
};

const std::vector<Mapping>& mappings();
// The entry for `m`, or null.
const Mapping* find_mapping(const nn::Module& m);

}  // namespace tapegrad::onnx
