// Entry functions of the IDX fuzz targets, shared by the libFuzzer binaries (fuzz/) and the corpus
// replay in the ordinary test suite (tests/integration/test_fuzz_replay.cpp), which needs no clang.
#pragma once

#include <cstdint>
#include <span>

namespace tapegrad::fuzz {

// The bytes as a whole IDX file, raw or gzip (told apart by content, as read_idx does). Returns true
// when they parse, false when they are rejected with std::runtime_error / std::invalid_argument /
// std::out_of_range. Any other exception escapes (std::bad_alloc, std::logic_error from a broken
// invariant of the result); for the fuzzer that is a finding, as is a crash or a sanitizer report.
bool fuzz_idx(std::span<const std::uint8_t> bytes);

// The bytes gzip-compressed first (one member when their count is even, two split in the middle when
// it is odd), so the fuzzer reaches the IDX parser through a valid gzip stream instead of failing the
// CRC. Differential: the result must match reading the same bytes raw.
bool fuzz_idx_gzip(std::span<const std::uint8_t> bytes);

}  // namespace tapegrad::fuzz
