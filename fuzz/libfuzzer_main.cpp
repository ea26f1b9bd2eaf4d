// libFuzzer's entry point for one fuzz target: TAPEGRAD_FUZZ_ENTRY names the entry function (see
// fuzz/CMakeLists.txt). Rejected inputs are fine; anything the entry lets escape is a finding.
#include <cstddef>
#include <cstdint>
#include <span>

namespace tapegrad::fuzz {
bool TAPEGRAD_FUZZ_ENTRY(std::span<const std::uint8_t> bytes);
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tapegrad::fuzz::TAPEGRAD_FUZZ_ENTRY(std::span<const std::uint8_t>(data, size));
  return 0;
}
