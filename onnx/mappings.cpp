#include "mappings.hpp"

#include <stdexcept>

#include "../nn/modules/activation.hpp"
#include "../nn/modules/linear.hpp"

namespace tapegrad::onnx {

namespace {

using proto::attribute_int;
using proto::attribute_ints;

// An element-wise activation: one ONNX node of the same name.
template <class M> Mapping activation(std::string name, std::string op, std::string onnx_op) {
  return entry<M>(std::move(name), {std::move(op)},
                  [onnx_op](Graph& g, const M&, const std::string& prefix, const std::string& input, const Tensor&) {
                    return g.node(onnx_op, prefix + onnx_op, {input});
                  });
}

// Softmax and LogSoftmax along one dim. Before opset 13 the ONNX ops flatten the input to 2-D at
// `axis`, which equals a per-dim softmax only for the last dim.
template <class M> Mapping softmax_like(std::string name, std::string op, std::string onnx_op) {
  return entry<M>(std::move(name), {std::move(op)},
                  [onnx_op](Graph& g, const M& m, const std::string& prefix, const std::string& input, const Tensor& x) {
                    const std::int64_t dim = m.options.dim();
                    const std::int64_t axis = dim < 0 ? dim + x.dim() : dim;
                    if (g.opset() < 13 && axis != x.dim() - 1)
                      throw std::invalid_argument("onnx::export_model: " + onnx_op + " over dim " + std::to_string(dim) +
                                                  " of a " + std::to_string(x.dim()) +
                                                  "-d input needs opset 13 or later (before 13 ONNX only "
                                                  "normalises over the last dims)");
                    return g.node(onnx_op, prefix + onnx_op, {input}, {attribute_int("axis", axis)});
                  });
}

// Linear: Gemm (x·Wᵀ + b) on a 2-d input; otherwise MatMul with Wᵀ, then Add.
std::string emit_linear(Graph& g, const nn::Linear& m, const std::string& prefix, const std::string& input,
                        const Tensor& x) {
  const std::string weight = g.initializer(prefix + "weight", m.weight);
  const std::string bias = m.bias.defined() ? g.initializer(prefix + "bias", m.bias) : "";
  if (x.dim() == 2) {
    std::vector<std::string> inputs{input, weight};
    if (!bias.empty()) inputs.push_back(bias);
    return g.node("Gemm", prefix + "Gemm", inputs, {attribute_int("transB", 1)});
  }
  const std::string transposed = g.node("Transpose", prefix + "weight_t", {weight}, {attribute_ints("perm", {1, 0})});
  const std::string product = g.node("MatMul", prefix + "MatMul", {input, transposed});
  return bias.empty() ? product : g.node("Add", prefix + "Add", {product, bias});
}

}  // namespace

const std::vector<Mapping>& mappings() {
  static const std::vector<Mapping> table = [] {
    std::vector<Mapping> t = {
      entry<nn::Linear>("Linear", {"linear"}, emit_linear),
      activation<nn::ReLU>("ReLU", "relu", "Relu"),
      activation<nn::Sigmoid>("Sigmoid", "sigmoid", "Sigmoid"),
      activation<nn::Tanh>("Tanh", "tanh", "Tanh"),
      softmax_like<nn::Softmax>("Softmax", "softmax", "Softmax"),
      softmax_like<nn::LogSoftmax>("LogSoftmax", "log_softmax", "LogSoftmax"),
    };
    for (Mapping& m : conv_mappings()) t.push_back(std::move(m));
    return t;
  }();
  return table;
}

const Mapping* find_mapping(const nn::Module& m) {
  for (const Mapping& mapping : mappings())
    if (mapping.matches(m)) return &mapping;
  return nullptr;
}

}  // namespace tapegrad::onnx
