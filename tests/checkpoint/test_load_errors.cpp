// Checkpoints: loading rejects every kind of damaged or mismatched file with a message naming the
// file and the problem, and leaves the module exactly as it was.
#include <catch2/catch.hpp>

#include <filesystem>

#include <tapegrad/nn/checkpoint.hpp>

#include "../support/files.hpp"

using namespace support;
using Catch::Contains;

namespace {

// Two float32 parameters of 2 elements (8 bytes each).
std::unique_ptr<Params> pair_module() {
  auto m = std::make_unique<Params>(std::vector<std::pair<std::string, tg::Tensor>>{
      {"a", tg::zeros({2}, tg::kFloat32)}, {"b", tg::zeros({2}, tg::kFloat32)}});
  fill_distinct(*m, 3.0);
  return m;
}

std::string entry(const std::string& name, const std::string& dtype, const std::string& shape, std::uint64_t begin,
                  std::uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" +
         std::to_string(begin) + "," + std::to_string(end) + "]}";
}

// Loads `bytes` (written to a file) into a fresh pair module and expects an error containing
// `problem` and the file name, with the module untouched.
void expect_rejected(const std::string& bytes, const std::string& problem) {
  TempDir dir;
  const std::string path = dir / "bad.safetensors";
  write_file(path, bytes);
  auto module = pair_module();
  const auto values = snapshot(*module);
  const auto before = versions(*module);
  CHECK_THROWS_AS(tg::load(*module, path), std::runtime_error);
  CHECK_THROWS_WITH(tg::load(*module, path), Contains(problem) && Contains("bad.safetensors"));
  CHECK(snapshot(*module) == values);
  CHECK(versions(*module) == before);
}

// A JSON object from "key":value members, in the given order.
std::string header(const std::vector<std::string>& members) {
  std::string s(1, '{');
  for (const auto& m : members) s.append(m).append(1, ',');
  if (members.empty()) s.append(1, '}');
  else s.back() = '}';
  return s;
}

const std::string kGoodA = entry("a", "F32", "[2]", 0, 8);
const std::string kGoodB = entry("b", "F32", "[2]", 8, 16);

}  // namespace

TEST_CASE("checkpoint: a well-formed crafted file loads (the baseline of the error cases)", "[checkpoint]") {
  TempDir dir;
  const std::string path = dir / "good.safetensors";
  // Keys in any order, metadata anywhere, the header padded with spaces; data: a = [1.5, -2], b = [3.25, 4].
  const std::vector<float> data = {1.5f, -2.0f, 3.25f, 4.0f};
  std::string bytes = craft(header({kGoodB, "\"__metadata__\":{\"k\":\"v\"}", kGoodA}) + "   ", 0);
  bytes.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));
  write_file(path, bytes);
  auto module = pair_module();
  tg::load(*module, path);
  CHECK(snapshot(*module) == std::vector<double>{1.5, -2, 3.25, 4});
}

TEST_CASE("checkpoint: bad header length", "[checkpoint]") {
  expect_rejected("", "too short for the 8-byte header length");
  expect_rejected("\x05\x00\x00", "too short for the 8-byte header length");
  // Claims more header than the file holds.
  expect_rejected(length_field(1000) + "{}", "header length 1000 exceeds the 2 bytes that follow");
  // Absurd length: refused before allocating anything.
  expect_rejected(length_field(std::uint64_t{1} << 62) + "{}", "exceeds the limit of 100000000 bytes");
}

TEST_CASE("checkpoint: bad JSON", "[checkpoint]") {
  expect_rejected(craft("{\"a\": {", 16), "header is not valid JSON");
  expect_rejected(craft("[1, 2]", 16), "header is not a JSON object");
  expect_rejected(craft(header({kGoodA, kGoodB, "\"__metadata__\":{\"k\":1}"}), 16),
                  "\"__metadata__\" value for \"k\" is not a string");
  expect_rejected(craft(header({"\"a\":{\"dtype\":\"F32\",\"shape\":[2]}", kGoodB}), 16),
                  "tensor 'a' has no \"data_offsets\"");
  expect_rejected(craft(header({entry("a", "F32", "[-2]", 0, 8), kGoodB}), 16),
                  "tensor 'a' shape entry must be a non-negative integer, got -2");
  expect_rejected(craft(header({"\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}", kGoodB}), 16),
                  "\"data_offsets\" must be [begin, end]");
}

TEST_CASE("checkpoint: unsupported dtype or wrong shape", "[checkpoint]") {
  // Another dtype converts (test_roundtrip.cpp); the shape must still match.
  expect_rejected(craft(header({entry("a", "F64", "[1]", 0, 8), kGoodB}), 16),
                  "tensor 'a' has shape [1] but the module's parameter has shape [2]");
  expect_rejected(craft(header({entry("a", "BF16", "[4]", 0, 8), kGoodB}), 16),
                  "tensor 'a' has unsupported dtype \"BF16\"");
  expect_rejected(craft(header({entry("a", "F32", "[1, 2]", 0, 8), kGoodB}), 16),
                  "tensor 'a' has shape [1, 2] but the module's parameter has shape [2]");
}

TEST_CASE("checkpoint: inconsistent offsets", "[checkpoint]") {
  expect_rejected(craft(header({entry("a", "F32", "[2]", 0, 12), kGoodB}), 20),
                  "tensor 'a': data_offsets [0, 12] span 12 bytes but F32 [2] needs 8");
  expect_rejected(craft(header({entry("a", "F32", "[2]", 8, 0), kGoodB}), 16), "end before begin");
  expect_rejected(craft(header({kGoodA, entry("b", "F32", "[2]", 4, 12)}), 12),
                  "tensors 'a' and 'b' overlap at byte offset 4");
  expect_rejected(craft(header({kGoodA, entry("b", "F32", "[2]", 12, 20)}), 20),
                  "gap in the data buffer: bytes 8 to 12 belong to no tensor");
  expect_rejected(craft(header({kGoodA, kGoodB}), 20),
                  "the tensors cover 16 bytes but the data buffer has 20");
  expect_rejected(craft(header({kGoodA, entry("b", "F32", "[2]", 1u << 20, (1u << 20) + 8)}), 16),
                  "reach past the end of the 16-byte data buffer");
}

TEST_CASE("checkpoint: missing or extra names", "[checkpoint]") {
  expect_rejected(craft(header({kGoodA}), 8), "names do not match the module: missing 'b'");
  expect_rejected(craft(header({kGoodA, kGoodB, entry("c", "F32", "[2]", 16, 24)}), 24),
                  "names do not match the module: unexpected 'c'");
  expect_rejected(craft(header({kGoodA, entry("fc.b", "F32", "[2]", 8, 16)}), 16),
                  "missing 'b'; unexpected 'fc.b'");
  // A checkpoint of another architecture.
  TempDir dir;
  TwoLayer other;
  tg::save(other, dir / "other.safetensors");
  expect_rejected(read_file(dir / "other.safetensors"),
                  "missing 'a', 'b'; unexpected '0.weight', '0.bias', '1.weight', '1.bias'");
}

TEST_CASE("checkpoint: truncated data", "[checkpoint]") {
  TempDir dir;
  auto saved = pair_module();
  fill_distinct(*saved, 11.0);
  tg::save(*saved, dir / "pair.safetensors");
  const std::string bytes = read_file(dir / "pair.safetensors");
  expect_rejected(bytes.substr(0, bytes.size() - 1), "reach past the end of the 15-byte data buffer");
  expect_rejected(bytes.substr(0, bytes.size() - 16), "reach past the end of the 0-byte data buffer");
  const std::uint64_t header_end = 8 + read_length_field(bytes);
  expect_rejected(bytes.substr(0, header_end - 1), "exceeds the");
  expect_rejected(bytes.substr(0, 5), "too short for the 8-byte header length");
}

TEST_CASE("checkpoint: a failed load leaves the module untouched", "[checkpoint]") {
  // The first tensor is fine and the second is not: nothing may be written, not even 'a'.
  TempDir dir;
  const std::string path = dir / "half.safetensors";
  write_file(path, craft(header({kGoodA, entry("b", "F64", "[1]", 8, 16)}), 16));
  TwoLayer unrelated;  // also: a module with other names is left alone
  const auto unrelated_values = snapshot(unrelated);
  CHECK_THROWS(tg::load(unrelated, path));
  CHECK(snapshot(unrelated) == unrelated_values);
  auto module = pair_module();
  const auto values = snapshot(*module);
  CHECK_THROWS_WITH(tg::load(*module, path), Contains("tensor 'b' has shape [1]"));
  CHECK(snapshot(*module) == values);
}

TEST_CASE("checkpoint: a file that does not exist", "[checkpoint]") {
  auto module = pair_module();
  CHECK_THROWS_WITH(tg::load(*module, "/nonexistent/dir/model.safetensors"),
                    Contains("checkpoint '/nonexistent/dir/model.safetensors': cannot open for reading"));
}

TEST_CASE("checkpoint: loading a directory", "[checkpoint]") {
  TempDir dir;
  auto module = pair_module();
  CHECK_THROWS_WITH(tg::load(*module, dir.path().string()), Contains("not a readable regular file"));
}
