// Entry function of the .pt reader's fuzz target (core/io/pt.hpp: zip archive, restricted unpickler,
// storages), shared by a libFuzzer binary and the corpus replay in the test suite
// (tests/checkpoint/test_pt_fuzz_replay.cpp), which needs no clang.
#pragma once

#include <cstdint>
#include <span>

namespace tapegrad::fuzz {

// The bytes as a whole .pt file, read with read_pt. Returns true when they are read (then the tree,
// written again with pt_bytes and read back, must be the same tree: kinds, keys, values, tensors'
// dtypes, shapes and bytes), false when they are rejected with std::runtime_error. A broken
// invariant escapes as std::logic_error; any other exception escapes too (for the fuzzer a finding,
// as are a crash, a hang or a sanitizer report).
bool fuzz_pt(std::span<const std::uint8_t> bytes);

}  // namespace tapegrad::fuzz
