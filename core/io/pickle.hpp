// Python's pickle format, restricted to what torch.save writes (protocol 2): a reader that executes
// nothing and a writer. The reader knows no Python class: each GLOBAL is handed to a hook that
// returns a value standing for it or refuses it, by name, before anything uses it; REDUCE (calling a
// global) and BINPERSID (torch's storage references) go to hooks too (core/io/pt.cpp holds torch's).
//
// Opcodes read: PROTO 2, STOP, MARK, NONE, NEWTRUE, NEWFALSE, BININT, BININT1, BININT2, LONG1 (up to
// 8 bytes), BINFLOAT, BINUNICODE, EMPTY_TUPLE, TUPLE, TUPLE1-3, EMPTY_LIST, APPEND, APPENDS,
// EMPTY_DICT, SETITEM, SETITEMS, BINPUT, LONG_BINPUT, BINGET, LONG_BINGET, GLOBAL, REDUCE, NEWOBJ (as
// REDUCE: a call of the class, which the hook decides), BINPERSID
// and BUILD (on a dict, setting its attributes, as OrderedDict's _metadata). Any other opcode, a
// container changed after it was put in another and nesting deeper than kMaxPickleDepth are refused.
// Memory is bounded by a MemoryBudget: every value made, memo slot and dict entry is charged (what it
// takes in memory, estimated from above by PtValue::footprint), and so is the object tree counted as
// if nothing in it were shared (kTreeValueBytes a value), so a small file can neither allocate much
// nor make a tree whose walk (writing it back, comparing it) never ends.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "pt_value.hpp"

namespace tapegrad::io {

inline constexpr int kMaxPickleDepth = 1000;             // Python's own recursion limit
inline constexpr std::uint64_t kTreeValueBytes = 64;     // a tree's value, when the tree is checked against the budget

// The memory one file's reader may take: charge() counts bytes as they are taken (never given back,
// so an upper estimate) and refuses past the limit with std::invalid_argument naming the limit and
// `why` it is what it is.
class MemoryBudget {
 public:
  MemoryBudget(std::uint64_t limit, std::string why) : limit_(limit), why_(std::move(why)) {}
  void charge(std::uint64_t bytes);
  std::uint64_t limit() const { return limit_; }
  std::uint64_t used() const { return used_; }
  // The message charge() throws.
  std::string refusal() const;

 private:
  std::uint64_t limit_, used_ = 0;
  std::string why_;
};

struct PickleHooks {
  // GLOBAL "module name": the value standing for it, or a throw refusing it.
  std::function<PtValue(const std::string& module, const std::string& name)> global;
  // REDUCE: calls `callable` (a value `global` returned) with the tuple `args`.
  std::function<PtValue(const PtValue& callable, const PtValue& args)> reduce;
  // BINPERSID: the object a persistent id stands for.
  std::function<PtValue(const PtValue& pid)> persistent_load;
};

// Reads one pickle. Errors (bad opcodes, bounds, what the hooks throw) are std::runtime_error
// "<error_prefix>byte offset N: <problem>".
// The hooks may charge the same budget (storages read).
PtValue unpickle(std::span<const std::uint8_t> bytes, const PickleHooks& hooks, MemoryBudget& budget,
                 const std::string& error_prefix);

// Writes protocol-2 opcodes; the caller composes them (core/io/pt.cpp).
class PickleWriter {
 public:
  PickleWriter();  // starts with PROTO 2
  void none();
  void boolean(bool v);
  void integer(std::int64_t v);
  void floating(double v);
  void string(const std::string& v);
  void global(const std::string& module, const std::string& name);
  void mark();
  void tuple(std::size_t n);  // of the last n values; n > 3 needs a mark() before them
  void empty_list();
  void empty_dict();
  void appends();   // after a mark() and the items
  void setitems();  // after a mark() and the keys and values
  void reduce();
  void persistent_id();  // BINPERSID of the tuple on top
  void build();
  std::vector<std::uint8_t> finish();  // STOP

 private:
  void op(std::uint8_t code);
  void le(std::uint64_t v, int bytes);
  std::vector<std::uint8_t> out_;
};

}  // namespace tapegrad::io
