// core/io/safetensors: named tensors and string metadata written and read back whatever they mean
// (module parameters today, optimizer state next), with the reader as strict as the checkpoint loader.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include <tapegrad/core/io/safetensors.hpp>
#include <tapegrad/core/tensor.hpp>
#include <tapegrad/nn/checkpoint.hpp>
#include <tapegrad/nn/module.hpp>

namespace {

namespace tg = tapegrad;
namespace io = tapegrad::io;
namespace fs = std::filesystem;
using Catch::Contains;

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("tapegrad_io_test_" + std::to_string(::getpid()));
  Scratch() { fs::create_directories(dir); }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  std::string file(const std::string& name) const { return (dir / name).string(); }
};

std::vector<std::uint8_t> as_bytes(const std::string& s) { return {s.begin(), s.end()}; }

std::vector<std::uint8_t> file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

// A file from a header text and `data_bytes` bytes of data.
std::vector<std::uint8_t> crafted(const std::string& header, std::size_t data_bytes = 0) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
  return as_bytes(s + header + std::string(data_bytes, '\x02'));
}

// Same names in the same order, same dtypes, shapes and bytes.
void check_same(const io::NamedTensors& got, const io::NamedTensors& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("tensor " << expected[i].first);
    const tg::Tensor& a = got[i].second;
    const tg::Tensor& b = expected[i].second;
    CHECK(got[i].first == expected[i].first);
    REQUIRE(a.dtype() == b.dtype());
    REQUIRE(a.shape() == b.shape());
    CHECK(std::memcmp(a.raw_data(), b.raw_data(), static_cast<std::size_t>(b.numel()) * tg::element_size(b.dtype())) == 0);
    CHECK_FALSE(a.is_same(b));  // fresh tensors
  }
}

io::NamedTensors sample_tensors() {
  return {{"weight", tg::tensor({{1.5, -2.0, 3.25}, {0.0, -0.0, 1e-30}})},
          {"step", tg::full({}, 42, tg::kInt64)},
          {"exp_avg", tg::tensor({0.1, std::numeric_limits<double>::infinity(), -7.0}, tg::kFloat64)},
          {"empty", tg::zeros({0, 3}, tg::kFloat64)},
          {"counts", tg::from_vector(std::vector<std::int64_t>{-1, 0, std::numeric_limits<std::int64_t>::max()}, {3})}};
}

}  // namespace

TEST_CASE("safetensors: tensors and arbitrary string metadata round-trip through a file and through bytes", "[checkpoint][io]") {
  Scratch scratch;
  const io::NamedTensors tensors = sample_tensors();
  const io::SafetensorsMetadata metadata = {
      {"format", "pt"},
      {"optimizer", R"({"type": "adam", "lr": 0.001, "betas": [0.9, 0.999], "note": "quotes \" and \\ kept"})"},
      {"epoch", "3"},
      {"empty", ""},
      {"unicode \u00e9\u4e2d", "line one\nline two\ttab \u2713"},
      {"long", std::string(100000, 'x')}};
  const std::string path = scratch.file("state.safetensors");
  io::write_safetensors(path, tensors, metadata);

  const io::SafetensorsContents from_file = io::read_safetensors(path);
  check_same(from_file.tensors, tensors);
  CHECK(from_file.metadata == metadata);

  // The bytes writer writes the very same file; the buffer reader reads it the same way.
  const std::vector<std::uint8_t> bytes = io::safetensors_bytes(tensors, metadata);
  CHECK(bytes == file_bytes(path));
  const io::SafetensorsContents from_memory = io::read_safetensors(bytes, "state");
  check_same(from_memory.tensors, tensors);
  CHECK(from_memory.metadata == metadata);
}

TEST_CASE("safetensors: no metadata writes no \"__metadata__\" and reads back empty", "[checkpoint][io]") {
  const io::NamedTensors tensors = {{"a", tg::tensor({1.0, 2.0})}};
  const std::vector<std::uint8_t> bytes = io::safetensors_bytes(tensors);
  const std::string text(bytes.begin(), bytes.end());
  CHECK(text.find("__metadata__") == std::string::npos);
  const io::SafetensorsContents read = io::read_safetensors(bytes);
  check_same(read.tensors, tensors);
  CHECK(read.metadata.empty());
}

TEST_CASE("safetensors: a checkpoint saved by tg::save reads as parameters plus {format: pt}", "[checkpoint][io]") {
  Scratch scratch;
  struct Model : tg::nn::Module {
    Model() {
      register_parameter("weight", tg::tensor({{1.0, 2.0}, {3.0, 4.0}}));
      register_parameter("bias", tg::tensor({-1.0, 0.5}));
    }
  } model;
  tg::save(model, scratch.file("m.safetensors"));
  const io::SafetensorsContents read = io::read_safetensors(scratch.file("m.safetensors"));
  check_same(read.tensors, {{"weight", model.named_parameters()[0].second}, {"bias", model.named_parameters()[1].second}});
  CHECK(read.metadata == io::SafetensorsMetadata{{"format", "pt"}});
}

TEST_CASE("safetensors: metadata values must be strings, each key once", "[checkpoint][io]") {
  const std::string a = R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]})";
  auto rejected = [&](const std::string& metadata, const std::string& problem) {
    INFO(metadata);
    const auto bytes = crafted("{\"__metadata__\":" + metadata + "," + a + "}", 4);
    CHECK_THROWS_AS(io::read_safetensors(bytes, "crafted"), std::runtime_error);
    CHECK_THROWS_WITH(io::read_safetensors(bytes, "crafted"), Contains("checkpoint 'crafted': " + problem));
  };
  rejected(R"({"step":3})", "\"__metadata__\" value for \"step\" is not a string");
  rejected(R"({"ok":"yes","state":{"lr":"0.1"}})", "\"__metadata__\" value for \"state\" is not a string");
  rejected(R"({"list":["a"]})", "\"__metadata__\" value for \"list\" is not a string");
  rejected(R"({"flag":true})", "\"__metadata__\" value for \"flag\" is not a string");
  rejected(R"({"k":"v","k":"w"})", "\"__metadata__\" has \"k\" twice");
  rejected(R"("pt")", "\"__metadata__\" must be an object of strings");
  // The same header with a string value loads.
  const auto good = io::read_safetensors(crafted("{\"__metadata__\":{\"step\":\"3\"}," + a + "}", 4));
  CHECK(good.metadata == io::SafetensorsMetadata{{"step", "3"}});
  REQUIRE(good.tensors.size() == 1);
  CHECK(good.tensors[0].first == "a");
}

TEST_CASE("safetensors: the reader refuses what no tensor can be, with the file's name", "[checkpoint][io]") {
  auto message = [](const std::string& header, std::size_t data_bytes) {
    try {
      io::read_safetensors(crafted(header, data_bytes), "crafted");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(message(R"({"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}})", 4),
             Contains("checkpoint 'crafted': tensor 'a' has unsupported dtype \"BF16\""));
  CHECK_THAT(message(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
             Contains("tensor 'a' has shape [4294967296, 4294967296]: more than 2^63 - 1 bytes of F32"));
  // No elements, but sizes whose product would still overflow a tensor's strides.
  CHECK_THAT(message(R"({"a":{"dtype":"F64","shape":[0,4294967296,4294967296],"data_offsets":[0,0]}})", 0),
             Contains("more than 2^63 - 1 bytes of F64"));
  CHECK_THAT(message(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8),
             Contains("tensor 'a': data_offsets [0, 8] span 8 bytes but F32 [3] needs 12"));
  CHECK_THAT(message(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 12),
             Contains("the tensors cover 8 bytes but the data buffer has 12"));
}

TEST_CASE("safetensors: data laid out in another order than the header reads back by name", "[checkpoint][io]") {
  // b's bytes come first in the data buffer, a's second.
  std::string header = R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},"b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})";
  std::vector<std::uint8_t> bytes = crafted(header);
  const double a = 2.5;
  const std::int64_t b = -9;
  bytes.insert(bytes.end(), reinterpret_cast<const std::uint8_t*>(&b), reinterpret_cast<const std::uint8_t*>(&b) + 8);
  bytes.insert(bytes.end(), reinterpret_cast<const std::uint8_t*>(&a), reinterpret_cast<const std::uint8_t*>(&a) + 8);
  const io::SafetensorsContents read = io::read_safetensors(bytes);
  REQUIRE(read.tensors.size() == 2);
  CHECK(read.tensors[0].first == "a");
  CHECK(read.tensors[0].second.item<double>() == 2.5);
  CHECK(read.tensors[1].first == "b");
  CHECK(read.tensors[1].second.item<std::int64_t>() == -9);
}

TEST_CASE("safetensors: the writer refuses bad arguments before touching the file", "[checkpoint][io]") {
  Scratch scratch;
  const std::string path = scratch.file("bad.safetensors");
  const tg::Tensor t = tg::zeros({2});
  CHECK_THROWS_WITH(io::write_safetensors(path, {{"a", t}, {"b", tg::Tensor()}}), Contains("tensor 'b' is undefined"));
  CHECK_THROWS_WITH(io::write_safetensors(path, {{"a", t}, {"a", t}}), Contains("tensor name 'a' appears twice"));
  CHECK_THROWS_WITH(io::write_safetensors(path, {{"__metadata__", t}}), Contains("may not be named __metadata__"));
  CHECK_THROWS_WITH(io::write_safetensors(path, {{"a", t}}, {{"k", std::string("\xff\xfe")}}), Contains("not valid UTF-8"));
  CHECK_THROWS_AS(io::write_safetensors(path, {{"a", t}, {"a", t}}), std::invalid_argument);
  CHECK_THROWS_AS(io::write_safetensors(path, {{"a", t}}, {{"k", std::string("\xff")}}), std::invalid_argument);
  CHECK(fs::is_empty(scratch.dir));  // no file, no temporary file
}
