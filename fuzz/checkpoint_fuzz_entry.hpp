// Entry function of the checkpoint fuzz target, shared by the libFuzzer binary (fuzz/) and the corpus
// replay in the ordinary test suite (tests/integration/test_fuzz_replay.cpp), which needs no clang.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "../nn/module.hpp"

namespace tapegrad::fuzz {

// The module every input is loaded into: parameters of several dtypes and shapes, named as a
// Sequential-like model would name them ("layer.weight" float32 (2, 3), "layer.bias" float64 (3),
// "scale" float32 scalar, "none" float64 (0), "steps" int64 (2)), set to fixed sentinel values.
std::unique_ptr<nn::Module> make_checkpoint_fuzz_module();

// The bytes as a whole checkpoint file, loaded with load_from_memory into a fresh
// make_checkpoint_fuzz_module(). Returns true when they load (then every parameter must hold exactly
// the bytes the header points it to, converted to its dtype as copy_ converts, with its dtype and
// shape unchanged), false when they are rejected
// with std::runtime_error / std::invalid_argument / std::out_of_range (then every parameter must be
// bitwise unchanged, its version counter too). A broken invariant escapes as std::logic_error; any
// other exception (std::bad_alloc, a JSON library error) escapes too: for the fuzzer both are
// findings, as are a crash, a hang or a sanitizer report.
bool fuzz_checkpoint(std::span<const std::uint8_t> bytes);

}  // namespace tapegrad::fuzz
