#include "graph.hpp"

#include <algorithm>
#include <stdexcept>

namespace tapegrad::onnx {

namespace {
proto::ElemType elem_type_of(Dtype dtype) {
  switch (dtype) {
    case kFloat32: return proto::ElemType::kFloat;
    case kFloat64: return proto::ElemType::kDouble;
    case kInt64: break;  // parameters and inputs are floating; int64 appears only as indices
  }
  throw std::invalid_argument("onnx::export_model: models run on float32 or float64 inputs, got " + std::string(dtype_name(dtype)));
}
}  // namespace

Graph::Graph(Dtype dtype, int opset) : dtype_(dtype), elem_type_(elem_type_of(dtype)), opset_(opset) {}

std::string Graph::fresh(const std::string& hint) {
  std::string name = hint;
  for (int i = 1; std::find(names_.begin(), names_.end(), name) != names_.end(); ++i) name = hint + "_" + std::to_string(i);
  names_.push_back(name);
  return name;
}

std::string Graph::initializer(const std::string& name, const Tensor& value) {
  const Tensor v = value.detach().to(dtype_);
  const std::string unique = fresh(name);
  initializers_.push_back(proto::tensor(unique, elem_type_, v.shape(), v.raw_data(),
                                        static_cast<std::size_t>(v.numel()) * element_size(dtype_)));
  return unique;
}

std::string Graph::int64_initializer(const std::string& name, const std::vector<std::int64_t>& values) {
  const std::string unique = fresh(name);
  initializers_.push_back(proto::tensor(unique, proto::ElemType::kInt64, {static_cast<std::int64_t>(values.size())},
                                        values.data(), values.size() * sizeof(std::int64_t)));
  return unique;
}

std::string Graph::node(const std::string& op_type, const std::string& hint, const std::vector<std::string>& inputs,
                        const std::vector<proto::Message>& attributes) {
  const std::string output = fresh(hint);
  nodes_.push_back(proto::node(op_type, output, inputs, {output}, attributes));
  return output;
}

}  // namespace tapegrad::onnx
