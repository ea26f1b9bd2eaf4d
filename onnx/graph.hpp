// The graph an export builds: nodes in execution order, initializers (parameters, buffers) and
// unique value names. Mappings (mappings.cpp) add to it; export.cpp writes it out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../core/tensor.hpp"
#include "proto.hpp"

namespace tapegrad::onnx {

class Graph {
 public:
  Graph(Dtype dtype, int opset);

  int opset() const { return opset_; }
  proto::ElemType elem_type() const { return elem_type_; }

  // Adds `value` (converted to the graph's dtype) as an initializer named `name`; returns the name.
  std::string initializer(const std::string& name, const Tensor& value);
  // Adds an int64 initializer (shapes for Reshape and the like).
  std::string int64_initializer(const std::string& name, const std::vector<std::int64_t>& values);
  // Adds a node; its single output gets a fresh name derived from `hint`, which is returned.
  std::string node(const std::string& op_type, const std::string& hint, const std::vector<std::string>& inputs,
                   const std::vector<proto::Message>& attributes = {});

  const std::vector<proto::Message>& nodes() const { return nodes_; }
  const std::vector<proto::Message>& initializers() const { return initializers_; }

 private:
  std::string fresh(const std::string& hint);
  Dtype dtype_;
  proto::ElemType elem_type_;
  int opset_;
  std::vector<proto::Message> nodes_, initializers_;
  std::vector<std::string> names_;
};

}  // namespace tapegrad::onnx
