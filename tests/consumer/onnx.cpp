// ONNX export from the installed package (<tapegrad/onnx/export.hpp> with tapegrad::onnx).
#include <tapegrad/onnx/export.hpp>
#include <tapegrad/tapegrad.hpp>

#include <filesystem>
#include <iostream>

namespace tg = tapegrad;
namespace nn = tapegrad::nn;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: app_onnx <output.onnx>\n";
    return 2;
  }
  nn::Sequential model(nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2));
  tg::onnx::export_model(model, tg::zeros({1, 4}), argv[1]);
  const auto bytes = std::filesystem::file_size(argv[1]);
  std::cout << "onnx: " << bytes << " bytes\n";
  return bytes > 0 ? 0 : 1;
}
