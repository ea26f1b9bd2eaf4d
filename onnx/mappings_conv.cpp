// Mappings of the convolutional-network layers: Conv2d, the poolings, BatchNorm (eval), Dropout,
// Flatten / Unflatten.
#include <stdexcept>

#include "../nn/modules/batchnorm.hpp"
#include "../nn/modules/conv.hpp"
#include "../nn/modules/dropout.hpp"
#include "../nn/modules/linear.hpp"
#include "../nn/modules/pooling.hpp"
#include "mappings.hpp"

namespace tapegrad::onnx {

namespace {

using proto::attribute_float;
using proto::attribute_int;
using proto::attribute_ints;
using Ints = std::vector<std::int64_t>;

template <std::size_t N> Ints ints(const nn::ExpandingArray<N>& a) {
  Ints v;
  for (std::size_t i = 0; i < N; ++i) v.push_back(a[i]);
  return v;
}
// ONNX pads list the begins of every spatial dim, then the ends.
Ints symmetric_pads(const nn::ExpandingArray<2>& p) { return {p[0], p[1], p[0], p[1]}; }

std::string unsupported(const std::string& what) { throw std::invalid_argument("onnx::export_model: " + what); }

std::string emit_conv(Graph& g, const nn::Conv2d& m, const std::string& prefix, const std::string& input, const Tensor&) {
  const auto& o = m.options;
  Ints pads = symmetric_pads(o.padding().size());
  if (o.padding().is_mode()) {
    pads = {0, 0, 0, 0};
    if (o.padding().mode() == "same")  // stride 1: dilation·(k-1) in all, the odd one at the end (as PyTorch)
      for (std::size_t d = 0; d < 2; ++d) {
        const std::int64_t total = o.dilation()[d] * (o.kernel_size()[d] - 1);
        pads[d] = total / 2;
        pads[d + 2] = total - total / 2;
      }
  }
  std::vector<std::string> inputs{input, g.initializer(prefix + "weight", m.weight)};
  if (m.bias.defined()) inputs.push_back(g.initializer(prefix + "bias", m.bias));
  return g.node("Conv", prefix + "Conv", inputs,
                {attribute_ints("kernel_shape", ints(o.kernel_size())), attribute_ints("strides", ints(o.stride())),
                 attribute_ints("pads", pads), attribute_ints("dilations", ints(o.dilation())),
                 attribute_int("group", o.groups())});
}

std::string emit_max_pool(Graph& g, const nn::MaxPool2d& m, const std::string& prefix, const std::string& input,
                          const Tensor&) {
  const auto& o = m.options;
  return g.node("MaxPool", prefix + "MaxPool", {input},
                {attribute_ints("kernel_shape", ints(o.kernel_size())), attribute_ints("strides", ints(o.stride())),
                 attribute_ints("pads", symmetric_pads(o.padding())), attribute_ints("dilations", ints(o.dilation())),
                 attribute_int("ceil_mode", o.ceil_mode())});
}

std::string emit_avg_pool(Graph& g, const nn::AvgPool2d& m, const std::string& prefix, const std::string& input,
                          const Tensor&) {
  const auto& o = m.options;
  return g.node("AveragePool", prefix + "AveragePool", {input},
                {attribute_ints("kernel_shape", ints(o.kernel_size())), attribute_ints("strides", ints(o.stride())),
                 attribute_ints("pads", symmetric_pads(o.padding())), attribute_int("ceil_mode", o.ceil_mode()),
                 attribute_int("count_include_pad", o.count_include_pad())});
}

// Output 1x1: GlobalAveragePool; sizes that divide the input: a plain AveragePool; others have no
// fixed-window equivalent.
std::string emit_adaptive_avg_pool(Graph& g, const nn::AdaptiveAvgPool2d& m, const std::string& prefix,
                                   const std::string& input, const Tensor& x) {
  const auto& out = m.options.output_size();
  if (out[0] == 1 && out[1] == 1) return g.node("GlobalAveragePool", prefix + "GlobalAveragePool", {input});
  const std::int64_t h = x.size(-2), w = x.size(-1);
  if (h % out[0] != 0 || w % out[1] != 0)
    return unsupported(m.repr() + " on a " + std::to_string(h) + "x" + std::to_string(w) +
                       " input has no ONNX equivalent (the output size must divide the input size)");
  return g.node("AveragePool", prefix + "AveragePool", {input},
                {attribute_ints("kernel_shape", {h / out[0], w / out[1]}), attribute_ints("strides", {h / out[0], w / out[1]})});
}

// Eval mode with running statistics: y = (x - mean) / sqrt(var + eps) · weight + bias.
std::string emit_batch_norm(Graph& g, const nn::BatchNormBase& m, const std::string& prefix, const std::string& input,
                            const Tensor&) {
  if (!m.running_mean.defined())
    return unsupported(m.repr() + " without running statistics (track_running_stats(false)) normalises with the "
                       "batch's own statistics in eval mode: ONNX's BatchNormalization cannot");
  const std::int64_t c = m.options.num_features();
  const std::string scale = m.weight.defined() ? g.initializer(prefix + "weight", m.weight)
                                               : g.initializer(prefix + "weight", ones({c}));
  const std::string bias = m.bias.defined() ? g.initializer(prefix + "bias", m.bias) : g.initializer(prefix + "bias", zeros({c}));
  return g.node("BatchNormalization", prefix + "BatchNormalization",
                {input, scale, bias, g.initializer(prefix + "running_mean", m.running_mean),
                 g.initializer(prefix + "running_var", m.running_var)},
                {attribute_float("epsilon", static_cast<float>(m.options.eps()))});
}

// Dropout is the identity in eval mode.
template <class M> Mapping identity(std::string name) {
  return entry<M>(std::move(name), {},
                  [](Graph& g, const M&, const std::string& prefix, const std::string& input, const Tensor&) {
                    return g.node("Identity", prefix + "Identity", {input});
                  });
}

// Flatten and Unflatten: a Reshape to the traced output's shape, dimension 0 given as 0 ("as in the
// input") when they keep it, so the batch stays dynamic.
template <class M>
std::string emit_reshape(Graph& g, const M& m, const std::string& prefix, const std::string& input, const Tensor& x) {
  Ints shape = m.forward(x).shape();
  if (!shape.empty() && x.dim() > 0 && shape[0] == x.size(0)) shape[0] = 0;
  return g.node("Reshape", prefix + "Reshape", {input, g.int64_initializer(prefix + "shape", shape)});
}

}  // namespace

std::vector<Mapping> conv_mappings() {
  // The ops each forward records, so an unmapped module's message lists only ops nothing maps.
  const std::vector<std::string> batch_norm_ops{"sub", "add", "mul", "div", "sqrt", "view", "expand"};
  return {
      entry<nn::Conv2d>("Conv2d", {"conv2d", "pad"}, emit_conv),
      entry<nn::MaxPool2d>("MaxPool2d", {"max_pool2d"}, emit_max_pool),
      entry<nn::AvgPool2d>("AvgPool2d", {"avg_pool2d"}, emit_avg_pool),
      entry<nn::AdaptiveAvgPool2d>("AdaptiveAvgPool2d", {"avg_pool2d"}, emit_adaptive_avg_pool),
      entry<nn::BatchNormBase>("BatchNorm1d/BatchNorm2d", batch_norm_ops, emit_batch_norm),
      identity<nn::Dropout>("Dropout"),
      identity<nn::Dropout2d>("Dropout2d"),
      entry<nn::Flatten>("Flatten", {"view"}, emit_reshape<nn::Flatten>),
      entry<nn::Unflatten>("Unflatten", {"view"}, emit_reshape<nn::Unflatten>),
  };
}

}  // namespace tapegrad::onnx
