// Shared by the [checkpoint] tests: small modules built on nn::Module alone, a scratch directory,
// and byte-level helpers to read checkpoints and to craft corrupt ones.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <tapegrad/core/autograd.hpp>
#include <tapegrad/core/tensor.hpp>
#include <tapegrad/nn/checkpoint.hpp>
#include <tapegrad/nn/module.hpp>

namespace checkpoint_test {

namespace tg = tapegrad;
namespace fs = std::filesystem;

// A Linear-shaped layer: weight (out, in) and bias (out).
struct Dense : tg::nn::Module {
  Dense(std::int64_t in, std::int64_t out, tg::Dtype dtype) {
    register_parameter("weight", tg::zeros({out, in}, dtype));
    register_parameter("bias", tg::zeros({out}, dtype));
  }
};

// Two layers named like Sequential's children: "0.weight", "0.bias", "1.weight", "1.bias".
struct TwoLayer : tg::nn::Module {
  explicit TwoLayer(tg::Dtype dtype = tg::kFloat32) {
    register_module("0", std::make_shared<Dense>(3, 4, dtype));
    register_module("1", std::make_shared<Dense>(4, 2, dtype));
  }
};

// Parameters built from a list of (name, tensor); for crafted-file tests.
struct Params : tg::nn::Module {
  explicit Params(const std::vector<std::pair<std::string, tg::Tensor>>& params) {
    for (const auto& [name, t] : params) register_parameter(name, t, t.is_floating_point());
  }
};

// Gives every parameter element a distinct value depending on `seed`.
inline void fill_distinct(const tg::nn::Module& module, double seed) {
  tg::NoGradGuard no_grad;  // parameters are written in place
  int k = 0;
  for (auto& p : module.parameters()) {
    std::vector<double> values(static_cast<std::size_t>(p.numel()));
    for (auto& x : values) {
      ++k;
      x = (seed + 1.25 * k) * (k % 2 ? -1 : 1);
    }
    p.copy_(tg::from_vector(values, p.shape()));
  }
}

// All parameter values, in order, as doubles.
inline std::vector<double> snapshot(const tg::nn::Module& module) {
  std::vector<double> out;
  for (auto& p : module.parameters())
    for (double x : tg::to_vector<double>(p)) out.push_back(x);
  return out;
}

inline std::vector<std::uint64_t> versions(const tg::nn::Module& module) {
  std::vector<std::uint64_t> out;
  for (auto& p : module.parameters()) out.push_back(p.version());
  return out;
}

// A fresh directory removed at scope exit.
struct ScratchDir {
  fs::path path;
  ScratchDir() {
    static int counter = 0;
    path = fs::temp_directory_path() / ("tapegrad_checkpoint_test_" + std::to_string(::getpid()) + "_" +
                                        std::to_string(counter++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path)) names.push_back(e.path().filename().string());
    return names;
  }
};

inline std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string length_field(std::uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

// A file in the format: length field, header text, then `data_bytes` bytes of data.
inline std::string craft(const std::string& header, std::size_t data_bytes) {
  return length_field(header.size()) + header + std::string(data_bytes, '\x01');
}

inline std::uint64_t read_length_field(const std::string& bytes) {
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  return n;
}

}  // namespace checkpoint_test
