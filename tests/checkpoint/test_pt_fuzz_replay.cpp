// Replays the .pt reader's kept fuzz corpus (tests/fuzz_corpus/pt/: seeds copied from
// tests/fixtures/pt/, and whatever the fuzzer keeps) through its entry function
// (fuzz/pt_fuzz_entry.cpp): each input must be read (and survive being written and read again) or be
// refused with std::runtime_error. A crash, a sanitizer report or any other exception fails.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "../../fuzz/pt_fuzz_entry.hpp"

TEST_CASE("fuzz corpus replay: pt (.pt files read by read_pt)", "[checkpoint][pt][fuzz]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(TAPEGRAD_SOURCE_DIR) / "tests" / "fuzz_corpus" / "pt";
  REQUIRE(fs::is_directory(dir));
  int parsed = 0, rejected = 0;
  for (const auto& file : fs::directory_iterator(dir)) {
    std::ifstream in(file.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    INFO("corpus file " << file.path().filename().string() << " (" << bytes.size() << " bytes)");
    bool ok = false;
    REQUIRE_NOTHROW(ok = tapegrad::fuzz::fuzz_pt(bytes));
    ++(ok ? parsed : rejected);
  }
  // The seeds: 7 files that read (PyTorch's and the rebuilt archives), 13 hostile ones and 2 refused formats.
  CHECK(parsed >= 7);
  CHECK(rejected >= 15);
}
