// ONNX export: writes a model built from tapegrad's modules as an ONNX file that onnx.checker,
// OpenCV's DNN module or onnxruntime load.
//   tapegrad::onnx::export_model(model, example_input, "model.onnx");          // opset 13
//
// The export traces the forward on `example_input` in eval mode (Dropout as identity, BatchNorm
// with its running statistics), module by module: a Sequential is followed child by child, every
// other module must have an ONNX mapping (onnx/mappings.cpp; the list is kSupportedModules below).
// The traced pieces must reproduce model.forward(example_input) exactly, or the export fails. The
// module's train/eval mode is restored afterwards. Dimension 0 of the input and output is a named
// dynamic dimension "batch" (for inputs with at least 2 dimensions), so any batch size runs.
// Parameters become initializers with their state_dict names ("0.weight").
//
// Errors: std::invalid_argument for a module without a mapping (naming the module, its place in the
// model, and any op its forward records that has no mapping), an unsupported opset (11-17 are), or an
// undefined / non-floating example input; std::runtime_error when the file cannot be written (a
// missing folder is named). The file is written to a temporary name and renamed: a failed export
// leaves no partial file and keeps an existing file at `path`.
#pragma once

#include <functional>
#include <string>

#include "../core/tensor.hpp"
#include "../nn/modules/container.hpp"

namespace tapegrad::onnx {

inline constexpr int kDefaultOpset = 13;
inline constexpr int kMinOpset = 11, kMaxOpset = 17;
// The modules with an ONNX mapping, for messages and documentation.
inline constexpr const char* kSupportedModules =
    "Sequential, Linear, ReLU, Sigmoid, Tanh, Softmax, LogSoftmax, Conv2d, MaxPool2d, AvgPool2d, "
    "AdaptiveAvgPool2d, BatchNorm1d, BatchNorm2d (eval), Dropout, Dropout2d, Flatten, Unflatten";

namespace detail {
void export_model(nn::Module& module, const std::function<Tensor(const Tensor&)>& forward, const Tensor& example_input,
                  const std::string& path, int opset);
}

// Any module with a forward(const Tensor&) (Sequential or a single mapped layer).
template <nn::UnaryModule M>
void export_model(M& module, const Tensor& example_input, const std::string& path, int opset = kDefaultOpset) {
  detail::export_model(module, [&module](const Tensor& x) { return Tensor(module.forward(x)); }, example_input, path,
                       opset);
}

}  // namespace tapegrad::onnx
