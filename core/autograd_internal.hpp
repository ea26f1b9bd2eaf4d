// Internal to core/: the thread's tape and the engine state record() and SavedTensor read.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "autograd.hpp"

namespace tapegrad::autograd::detail {

struct TapeEntry {
  std::uint64_t sequence;
  std::weak_ptr<Node> node;
};

// The calling thread's tape: entries in execution order (ascending sequence), held weakly. A tensor
// owns the entry that produced it, and an entry owns the entries that produced its inputs, so an
// entry lives exactly as long as some live tensor can still reach it; dead and released slots are
// compacted away (amortised), except while a backward sweeps the tape by index.
struct Tape {
  Tape();
  std::uint64_t id;
  std::vector<TapeEntry> entries;
  std::size_t compact_threshold = 1024;
  int sweeps = 0;  // backward sweeps running over this tape

  void append(const std::shared_ptr<Node>& node);
  void compact();
};
Tape& this_thread_tape();

// The entry whose backward runs now on this thread (null outside a backward), and whether it runs
// under create_graph.
struct Running {
  const std::shared_ptr<Node>* node = nullptr;
  bool create_graph = false;
};
extern thread_local Running running;

const char* first_non_finite(const Tensor& t);
[[noreturn]] void raise_anomaly(const Node& node, const std::string& what, const char* value);

}  // namespace tapegrad::autograd::detail
