// tapegrad::onnx::export_model: the file's structure and the errors. Whether the exported models run
// and agree with tapegrad is checked by real consumers (tests/consumers/check_onnx.py: onnx.checker and
// OpenCV's DNN module); here, what needs no Python.
#include <catch2/catch.hpp>
#include <tapegrad/onnx/export.hpp>
#include <tapegrad/tapegrad.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "../support/files.hpp"

namespace tg = tapegrad;
namespace nn = tapegrad::nn;
namespace fs = std::filesystem;

namespace {


// A user-defined layer whose forward records its own op ("swish"), which has no ONNX mapping.
struct Swish : nn::Module {
  tg::Tensor forward(const tg::Tensor& x) const {
    const tg::Tensor y = x.detach() * tg::sigmoid(x.detach());
    return tg::autograd::record("swish", {x}, y, [](const tg::Tensor& g) { return tg::autograd::Grads{g}; });
  }
  std::string repr() const override { return "Swish()"; }
};

std::size_t files_in(const fs::path& dir) { return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator())); }

}  // namespace

TEST_CASE("onnx export: an MLP's nodes, initializers and dynamic batch are in the file", "[onnx]") {
  support::TempDir dir;
  nn::Sequential model(nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2), nn::Tanh(), nn::Sigmoid(), nn::LogSoftmax(1));
  tg::onnx::export_model(model, tg::zeros({5, 4}), (dir.path() / "m.onnx").string());
  const std::string bytes = support::read_file(dir.path() / "m.onnx");
  for (const char* text : {"Gemm", "Relu", "Tanh", "Sigmoid", "LogSoftmax", "0.weight", "0.bias", "2.weight", "2.bias",
                           "batch", "input", "tapegrad"})
    CHECK(bytes.find(text) != std::string::npos);
  // The weights are stored raw: the first Linear's weight appears byte for byte.
  const tg::Tensor w = model.at<nn::Linear>(0).weight;
  CHECK(bytes.find(std::string(static_cast<const char*>(w.raw_data()), 4 * 3 * sizeof(float))) != std::string::npos);
  CHECK(files_in(dir.path()) == 1);  // no temporary left behind
}

TEST_CASE("onnx export: a linear layer on a 3-d input becomes MatMul + Add", "[onnx]") {
  support::TempDir dir;
  nn::Sequential model(nn::Linear(4, 3));
  tg::onnx::export_model(model, tg::zeros({2, 5, 4}), (dir.path() / "m.onnx").string());
  const std::string bytes = support::read_file(dir.path() / "m.onnx");
  CHECK(bytes.find("MatMul") != std::string::npos);
  CHECK(bytes.find("Gemm") == std::string::npos);
}

TEST_CASE("onnx export: a module without a mapping is named, with the custom op its forward records", "[onnx]") {
  support::TempDir dir;
  const fs::path path = dir.path() / "m.onnx";
  nn::Sequential model(nn::Linear(4, 3), Swish(), nn::Linear(3, 2));
  try {
    tg::onnx::export_model(model, tg::zeros({2, 4}), path.string());
    FAIL("exported a model with an unmapped module");
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    CHECK_THAT(message, Catch::Contains("no ONNX mapping for module Swish()"));
    CHECK_THAT(message, Catch::Contains("child '1'"));
    CHECK_THAT(message, Catch::Contains("'swish'"));
  }
  CHECK_FALSE(fs::exists(path));
  CHECK(files_in(dir.path()) == 0);
}

TEST_CASE("onnx export: a path in a missing folder is a runtime_error naming the folder", "[onnx]") {
  support::TempDir dir;
  nn::Sequential model(nn::Linear(4, 3));
  const std::string path = (dir.path() / "missing" / "m.onnx").string();
  CHECK_THROWS_MATCHES(tg::onnx::export_model(model, tg::zeros({1, 4}), path), std::runtime_error,
                       Catch::Message("onnx::export_model: cannot write '" + path + "': folder '" +
                                      (dir.path() / "missing").string() + "' does not exist"));
}

TEST_CASE("onnx export: a failed export keeps the previous file", "[onnx]") {
  support::TempDir dir;
  const fs::path path = dir.path() / "m.onnx";
  nn::Sequential good(nn::Linear(4, 3));
  tg::onnx::export_model(good, tg::zeros({1, 4}), path.string());
  const std::string before = support::read_file(path);
  nn::Sequential bad(nn::Linear(4, 3), Swish());
  CHECK_THROWS_AS(tg::onnx::export_model(bad, tg::zeros({1, 4}), path.string()), std::invalid_argument);
  CHECK(support::read_file(path) == before);
  CHECK(files_in(dir.path()) == 1);
}

TEST_CASE("onnx export: runs in eval mode and restores each module's mode", "[onnx]") {
  support::TempDir dir;
  nn::Sequential model(nn::Linear(4, 3), nn::ReLU());
  model.train();
  model[1].eval();  // a child in another mode than its parent keeps it
  tg::onnx::export_model(model, tg::zeros({1, 4}), (dir.path() / "m.onnx").string());
  CHECK(model.is_training());
  CHECK(model[0].is_training());
  CHECK_FALSE(model[1].is_training());
}

TEST_CASE("onnx export: bad arguments", "[onnx]") {
  support::TempDir dir;
  const std::string path = (dir.path() / "m.onnx").string();
  nn::Sequential model(nn::Linear(4, 3), nn::Softmax(0));
  CHECK_THROWS_WITH(tg::onnx::export_model(model, tg::zeros({1, 4}), path, 10),
                    "onnx::export_model: opset 10 is not supported (11 to 17 are)");
  CHECK_THROWS_AS(tg::onnx::export_model(model, tg::Tensor(), path), std::invalid_argument);
  CHECK_THROWS_AS(tg::onnx::export_model(model, tg::zeros({1, 4}, tg::kInt64), path), std::invalid_argument);
  // Softmax over dim 0 of a 2-d input: opset 13's Softmax can, opset 12's cannot.
  CHECK_THROWS_WITH(tg::onnx::export_model(model, tg::zeros({2, 4}), path, 12), Catch::Contains("needs opset 13"));
  CHECK_NOTHROW(tg::onnx::export_model(model, tg::zeros({2, 4}), path, 13));
}

TEST_CASE("onnx export: a CNN exports in eval mode, leaving BatchNorm's running statistics untouched", "[onnx]") {
  support::TempDir dir;
  nn::Sequential model(nn::Unflatten(1, {1, 8, 8}), nn::Conv2d(1, 2, 3), nn::BatchNorm2d(2), nn::ReLU(), nn::MaxPool2d(2),
                       nn::Dropout(0.5), nn::Flatten(), nn::Linear(18, 3));
  model.train();
  const std::vector<float> mean_before = tg::to_vector<float>(model.at<nn::BatchNorm2d>(2).running_mean);
  tg::onnx::export_model(model, tg::ones({4, 64}), (dir.path() / "m.onnx").string());
  CHECK(tg::to_vector<float>(model.at<nn::BatchNorm2d>(2).running_mean) == mean_before);  // no training-mode forward
  CHECK(model.is_training());
  const std::string bytes = support::read_file(dir.path() / "m.onnx");
  for (const char* text : {"Reshape", "Conv", "BatchNormalization", "2.running_mean", "2.running_var", "MaxPool",
                           "Identity", "Gemm"})
    CHECK(bytes.find(text) != std::string::npos);
}

TEST_CASE("onnx export: BatchNorm without running statistics has no ONNX equivalent", "[onnx]") {
  support::TempDir dir;
  nn::Sequential model(nn::BatchNorm1d(nn::BatchNormOptions(3).track_running_stats(false)));
  CHECK_THROWS_WITH(tg::onnx::export_model(model, tg::ones({2, 3}), (dir.path() / "m.onnx").string()),
                    Catch::Contains("track_running_stats(false)"));
  CHECK(files_in(dir.path()) == 0);
}
