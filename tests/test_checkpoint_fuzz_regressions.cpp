// Checkpoints: the in-memory loader the fuzzer drives, the fuzz seeds (they must be what
// tapegrad::save really writes), and one regression test per problem the checkpoint fuzzer found.
#include <catch2/catch.hpp>

#include <span>

#include "../fuzz/checkpoint_fuzz_entry.hpp"
#include "test_checkpoint_support.hpp"

using namespace checkpoint_test;
using Catch::Contains;

namespace {

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string seed(const std::string& name) {
  const fs::path path = fs::path(TAPEGRAD_SOURCE_DIR) / "tests" / "fuzz_corpus" / "checkpoint" / ("seed-" + name);
  REQUIRE(fs::is_regular_file(path));
  return read_bytes(path.string());
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
  ScratchDir dir;
  TwoLayer saved(tg::kFloat64);
  fill_distinct(saved, 2.0);
  tg::save(saved, dir.file("m.safetensors"));
  const std::string bytes = read_bytes(dir.file("m.safetensors"));

  TwoLayer from_memory(tg::kFloat64), from_file(tg::kFloat64);
  tg::load_from_memory(from_memory, as_bytes(bytes));
  tg::load(from_file, dir.file("m.safetensors"));
  CHECK(snapshot(from_memory) == snapshot(saved));
  CHECK(snapshot(from_file) == snapshot(saved));

  // Errors name the buffer as load names the file; the default name is "<memory>".
  TwoLayer other(tg::kFloat32);
  CHECK_THROWS_WITH(tg::load_from_memory(other, as_bytes(bytes)),
                    Contains("checkpoint '<memory>'") && Contains("has dtype F64 but the module's parameter is float32"));
  expect_rejected_in_memory(bytes.substr(0, 5), "file is 5 bytes, too short for the 8-byte header length");
}

TEST_CASE("checkpoint fuzz seeds: the saved-* seeds are byte for byte what tapegrad::save writes", "[checkpoint][fuzz]") {
  ScratchDir dir;
  for (const char* name : {"saved-sentinel", "saved-distinct", "saved-special", "saved-zeros"}) {
    INFO("seed-" << name);
    const std::string bytes = seed(name);
    auto module = tapegrad::fuzz::make_checkpoint_fuzz_module();
    tg::load_from_memory(*module, as_bytes(bytes));
    tg::save(*module, dir.file(name));
    CHECK(read_bytes(dir.file(name)) == bytes);
  }
  // The sentinel seed holds the fuzz module's own initial values.
  auto fresh = tapegrad::fuzz::make_checkpoint_fuzz_module();
  tg::save(*fresh, dir.file("fresh"));
  CHECK(read_bytes(dir.file("fresh")) == seed("saved-sentinel"));
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
