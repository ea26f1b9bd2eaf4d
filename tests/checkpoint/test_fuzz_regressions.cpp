// Checkpoints: the in-memory loader the fuzzer drives, the fuzz seeds (they must be what
// tapegrad::save really writes), and one regression test per problem the checkpoint and .pt fuzzers found.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <span>

#include <tapegrad/core/io/pt.hpp>
#include <tapegrad/nn/checkpoint.hpp>

#include "../../fuzz/checkpoint_fuzz_entry.hpp"
#include "../support/files.hpp"

using namespace support;
using Catch::Contains;

namespace {

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string seed(const std::string& name) {
  const fs::path path = fs::path(TAPEGRAD_SOURCE_DIR) / "tests" / "fuzz_corpus" / "checkpoint" / ("seed-" + name);
  REQUIRE(fs::is_regular_file(path));
  return read_file(path.string());
}

// Parameter bytes, so NaN payloads and -0.0 compare exactly.
std::vector<std::string> raw_values(const tg::nn::Module& module) {
  std::vector<std::string> out;
  for (auto& p : module.parameters())
    out.emplace_back(static_cast<const char*>(p.raw_data()), static_cast<std::size_t>(p.numel()) * tg::element_size(p.dtype()));
  return out;
}

// Loads `bytes` into a fresh pair module (a, b: float32 [2]) and expects the error, untouched values.
void expect_rejected_in_memory(const std::string& bytes, const std::string& problem) {
  Params module({{"a", tg::full({2}, 0.5, tg::kFloat32)}, {"b", tg::full({2}, 0.25, tg::kFloat32)}});
  const auto before = raw_values(module);
  const auto versions_before = versions(module);
  CHECK_THROWS_AS(tg::load_from_memory(module, as_bytes(bytes), "crafted"), std::runtime_error);
  CHECK_THROWS_WITH(tg::load_from_memory(module, as_bytes(bytes), "crafted"),
                    Contains("checkpoint 'crafted'") && Contains(problem));
  CHECK(raw_values(module) == before);
  CHECK(versions(module) == versions_before);
}

}  // namespace

TEST_CASE("checkpoint: load_from_memory reads what save wrote, like load from the file", "[checkpoint]") {
  TempDir dir;
  TwoLayer saved(tg::kFloat64);
  fill_distinct(saved, 2.0);
  tg::save(saved, dir / "m.safetensors");
  const std::string bytes = read_file(dir / "m.safetensors");

  TwoLayer from_memory(tg::kFloat64), from_file(tg::kFloat64);
  tg::load_from_memory(from_memory, as_bytes(bytes));
  tg::load(from_file, dir / "m.safetensors");
  CHECK(snapshot(from_memory) == snapshot(saved));
  CHECK(snapshot(from_file) == snapshot(saved));

  // Errors name the buffer as load names the file; the default name is "<memory>".
  Params other({{"a", tg::zeros({2})}});
  CHECK_THROWS_WITH(tg::load_from_memory(other, as_bytes(bytes)),
                    Contains("checkpoint '<memory>'") && Contains("names do not match the module: missing 'a'"));
  expect_rejected_in_memory(bytes.substr(0, 5), "file is 5 bytes, too short for the 8-byte header length");
}

TEST_CASE("checkpoint fuzz seeds: the saved-* seeds are byte for byte what tapegrad::save writes", "[checkpoint][fuzz]") {
  TempDir dir;
  for (const char* name : {"saved-sentinel", "saved-distinct", "saved-special", "saved-zeros"}) {
    INFO("seed-" << name);
    const std::string bytes = seed(name);
    auto module = tapegrad::fuzz::make_checkpoint_fuzz_module();
    tg::load_from_memory(*module, as_bytes(bytes));
    tg::save(*module, dir / name);
    CHECK(read_file(dir / name) == bytes);
  }
  // The sentinel seed holds the fuzz module's own initial values.
  auto fresh = tapegrad::fuzz::make_checkpoint_fuzz_module();
  tg::save(*fresh, dir / "fresh");
  CHECK(read_file(dir / "fresh") == seed("saved-sentinel"));
}

TEST_CASE("checkpoint fuzz seeds: the re-laid-out seeds hold the same values as seed-saved-distinct", "[checkpoint][fuzz]") {
  auto reference = tapegrad::fuzz::make_checkpoint_fuzz_module();
  tg::load_from_memory(*reference, as_bytes(seed("saved-distinct")));
  for (const char* name :
       {"no-metadata", "metadata-last", "keys-reversed", "data-reordered", "unpadded", "extra-padding", "indented"}) {
    INFO("seed-" << name);
    const std::string bytes = seed(name);
    CHECK(bytes != seed("saved-distinct"));
    auto module = tapegrad::fuzz::make_checkpoint_fuzz_module();
    tg::load_from_memory(*module, as_bytes(bytes));
    CHECK(raw_values(*module) == raw_values(*reference));
  }
}

// The fuzz module's names and shapes, every tensor in another dtype than the fuzz module's.
struct OtherDtypes : tg::nn::Module {
  explicit OtherDtypes(double steps_value) {
    register_module("layer", std::make_shared<Params>(std::vector<std::pair<std::string, tg::Tensor>>{
                                 {"weight", tg::full({2, 3}, 0.1, tg::kFloat64)}, {"bias", tg::full({3}, -2.5, tg::kFloat32)}}));
    register_parameter("scale", tg::full({}, 3.0, tg::kInt64), false);
    register_parameter("none", tg::zeros({0}, tg::kFloat32));
    register_parameter("steps", tg::tensor({7.9, steps_value}, tg::kFloat64));
  }
};

TEST_CASE("checkpoint fuzz entry: a file in other dtypes loads converted, and the oracle checks the conversion",
          "[checkpoint][fuzz]") {
  TempDir dir;
  tg::save(OtherDtypes(-3.0), dir / "converts");
  CHECK(tapegrad::fuzz::fuzz_checkpoint(as_bytes(read_file(dir / "converts"))));
  // A NaN cannot become an int64 step: rejected, and the module untouched (the entry checks it).
  tg::save(OtherDtypes(std::nan("")), dir / "nan-step");
  CHECK_FALSE(tapegrad::fuzz::fuzz_checkpoint(as_bytes(read_file(dir / "nan-step"))));
}

// ---------------------------------------------------------------------------------------------
// Hostile headers. Each case below crashed, hung or blew up memory or messages before the header was
// parsed as a stream of events (see core/io/safetensors_header.cpp).

namespace {

const std::string kGoodA = R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
const std::string kGoodB = R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]})";

std::string with_header(const std::string& header, std::size_t data_bytes = 16) { return craft(header, data_bytes); }

}  // namespace

TEST_CASE("checkpoint fuzz regression: deep nesting is refused, not a stack overflow", "[checkpoint][fuzz]") {
  // 100000 nested arrays in a 200 KB header: the JSON library's dump() for the error message
  // recursed once per level and overflowed the stack (SIGSEGV).
  const std::size_t depth = 100000;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  expect_rejected_in_memory(with_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + nested + "],\"data_offsets\":[0,8]}," +
                                        kGoodB + "}"),
                            "tensor 'a' shape entry must be a non-negative integer, got an array");
  // Also inside a field safetensors does not define (ignored when shallow).
  expect_rejected_in_memory(with_header("{\"a\":{\"extra\":" + nested + ",\"dtype\":\"F32\",\"shape\":[2],"
                                        "\"data_offsets\":[0,8]}," + kGoodB + "}"),
                            "header nests deeper than the 3 levels of a safetensors header (in tensor 'a')");
  expect_rejected_in_memory(with_header("{\"__metadata__\":{\"k\":" + nested + "}," + kGoodA + "," + kGoodB + "}"),
                            "\"__metadata__\" value for \"k\" is not a string");
  // A shallow unknown field is still ignored.
  Params module({{"a", tg::zeros({2}, tg::kFloat32)}, {"b", tg::zeros({2}, tg::kFloat32)}});
  CHECK_NOTHROW(tg::load_from_memory(
      module, as_bytes(with_header("{\"a\":{\"note\":[1,\"x\",null],\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
                                   kGoodB + "}"))));
}

TEST_CASE("checkpoint fuzz regression: many keys take linear time, not quadratic", "[checkpoint][fuzz]") {
  // 400000 metadata keys (5 MB of header): nlohmann's ordered object searched its keys linearly on
  // every insert, about two minutes here (a 100 MB header: hours). Now a fraction of a second.
  std::string header = "{\"__metadata__\":{";
  for (int i = 0; i < 400000; ++i) header += (i ? ",\"" : "\"") + std::to_string(i) + "\":\"\"";
  header += "}," + kGoodA + "," + kGoodB + "}";
  Params module({{"a", tg::zeros({2}, tg::kFloat32)}, {"b", tg::zeros({2}, tg::kFloat32)}});
  const auto start = std::chrono::steady_clock::now();
  tg::load_from_memory(module, as_bytes(with_header(header)));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(seconds < 10);  // generous: sanitizer builds and a loaded machine
  CHECK(raw_values(module) == std::vector<std::string>(2, std::string(8, '\x01')));  // craft's data bytes
}

TEST_CASE("checkpoint fuzz regression: a huge shape is refused at 64 dimensions", "[checkpoint][fuzz]") {
  // A 20 MB header holding one shape of 10 million zeros took 600 MB as a JSON tree and put all of
  // them into a 30 MB error message.
  std::string zeros = "0";
  for (int i = 1; i < 10'000'000; ++i) zeros += ",0";
  expect_rejected_in_memory(with_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + zeros + "],\"data_offsets\":[0,8]}," +
                                        kGoodB + "}"),
                            "tensor 'a' shape has more than 64 dimensions");
  // 64 still parse (and then fail on the shape check, with a message of bounded size).
  std::string dims = "1";
  for (int i = 1; i < 64; ++i) dims += ",1";
  expect_rejected_in_memory(with_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[" + dims + "],\"data_offsets\":[0,8]}," +
                                        kGoodB + "}"),
                            "tensor 'a' has shape [1, 1, 1");
}

TEST_CASE("checkpoint fuzz regression: a repeated name or field is refused, not silently overwritten", "[checkpoint][fuzz]") {
  // The JSON library kept the last of two equal keys: a file could say two things about one tensor.
  expect_rejected_in_memory(with_header("{" + kGoodA + "," + kGoodA + "," + kGoodB + "}"), "name 'a' appears twice in the header");
  expect_rejected_in_memory(with_header("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"dtype\":\"F32\",\"data_offsets\":[0,8]}," +
                                        kGoodB + "}"),
                            "tensor 'a' has \"dtype\" twice");
  expect_rejected_in_memory(with_header("{\"__metadata__\":{},\"__metadata__\":{}," + kGoodA + "," + kGoodB + "}"),
                            "name '__metadata__' appears twice in the header");
}

TEST_CASE("checkpoint fuzz regression: error messages stay short whatever the file holds", "[checkpoint][fuzz]") {
  Params module({{"a", tg::zeros({2}, tg::kFloat32)}, {"b", tg::zeros({2}, tg::kFloat32)}});
  auto message_of = [&](const std::string& bytes) {
    try {
      tg::load_from_memory(module, as_bytes(bytes));
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  // 20 unexpected names: the first 8 are listed.
  std::string header = "{" + kGoodA + "," + kGoodB;
  for (int i = 0; i < 20; ++i)
    header += ",\"x" + std::to_string(i) + "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,16]}";
  CHECK_THAT(message_of(with_header(header + "}")),
             Contains("unexpected 'x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7' and 12 more"));
  // A megabyte-long name or dtype is cut to its start and its length.
  const std::string long_name(1 << 20, 'n');
  const std::string unexpected = message_of(with_header("{" + kGoodA + "," + kGoodB + ",\"" + long_name +
                                                        "\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[16,16]}}"));
  CHECK_THAT(unexpected, Contains("unexpected '" + std::string(64, 'n') + "... (1048576 bytes)'"));
  CHECK(unexpected.size() < 300);
  const std::string dtype = message_of(with_header("{\"a\":{\"dtype\":\"" + long_name + "\",\"shape\":[2],\"data_offsets\":[0,8]}," +
                                                   kGoodB + "}"));
  CHECK_THAT(dtype, Contains("has unsupported dtype \"" + std::string(64, 'n') + "... (1048576 bytes)\""));
  CHECK(dtype.size() < 300);
}

TEST_CASE("checkpoint: an offset written -0 is the integer 0", "[checkpoint]") {
  // JSON allows -0; it was refused as "must be a non-negative integer, got 0".
  Params module({{"a", tg::zeros({2}, tg::kFloat32)}, {"b", tg::zeros({2}, tg::kFloat32)}});
  tg::load_from_memory(module, as_bytes(with_header(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[-0,8]},)" + kGoodB + "}")));
  CHECK(raw_values(module) == std::vector<std::string>(2, std::string(8, '\x01')));
}

TEST_CASE("pt fuzz regression: an empty tensor's record is read without a copy to a null pointer", "[checkpoint][pt][fuzz]") {
  // Its 0 bytes were copied into an empty vector's data(), a null pointer: undefined behaviour that
  // UBSan stops at (found by fuzz_pt on a seed; the sanitized suite runs this).
  const std::vector<std::uint8_t> bytes = tg::io::pt_bytes(tg::io::state_dict_value({{"empty", tg::zeros({0, 3})}}));
  const tg::io::NamedTensors read = tg::io::pt_state_dict(tg::io::read_pt(bytes, "empty.pt"), "empty.pt");
  REQUIRE(read.size() == 1);
  CHECK(read[0].first == "empty");
  CHECK(read[0].second.shape() == tg::Shape{0, 3});
}
