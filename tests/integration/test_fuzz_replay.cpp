// Replays the kept fuzz corpora (tests/fuzz_corpus/<target>/: the seeds and every interesting input
// the fuzzers found) through the fuzzers' own entry functions: each input must parse or be rejected
// with a clear exception. A crash, a sanitizer report or any other exception fails the test.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <span>
#include <vector>

#include "../../fuzz/checkpoint_fuzz_entry.hpp"
#include "../../fuzz/idx_fuzz_entry.hpp"

namespace {

namespace fs = std::filesystem;
using Entry = bool (*)(std::span<const std::uint8_t>);

struct ReplayCounts {
  int parsed = 0, rejected = 0;
};

ReplayCounts replay(const std::string& target, Entry entry) {
  const fs::path dir = fs::path(TAPEGRAD_SOURCE_DIR) / "tests" / "fuzz_corpus" / target;
  REQUIRE(fs::is_directory(dir));
  ReplayCounts counts;
  for (const auto& file : fs::directory_iterator(dir)) {
    std::ifstream in(file.path(), std::ios::binary);
    const std::vector<std::uint8_t> bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    INFO("corpus file " << file.path().filename().string() << " (" << bytes.size() << " bytes)");
    bool parsed = false;
    REQUIRE_NOTHROW(parsed = entry(bytes));
    ++(parsed ? counts.parsed : counts.rejected);
  }
  return counts;
}

}  // namespace

// The seeds alone hold 8 valid files and 3 truncated ones per target, so both outcomes must occur.
TEST_CASE("fuzz corpus replay: idx (raw and gzip IDX files)", "[integration][fuzz]") {
  const ReplayCounts counts = replay("idx", tapegrad::fuzz::fuzz_idx);
  CHECK(counts.parsed >= 8);
  CHECK(counts.rejected >= 3);
}

TEST_CASE("fuzz corpus replay: idx_gzip (IDX data through a valid gzip stream)", "[integration][fuzz]") {
  const ReplayCounts counts = replay("idx_gzip", tapegrad::fuzz::fuzz_idx_gzip);
  CHECK(counts.parsed >= 8);
  CHECK(counts.rejected >= 3);
}

// The seeds hold 11 checkpoints that load (4 as saved, 7 laid out differently) and 7 rejected ones.
TEST_CASE("fuzz corpus replay: checkpoint (safetensors files loaded into a fixed module)", "[integration][fuzz]") {
  const ReplayCounts counts = replay("checkpoint", tapegrad::fuzz::fuzz_checkpoint);
  CHECK(counts.parsed >= 11);
  CHECK(counts.rejected >= 7);
}
