#include "pickle.hpp"

#include <bit>
#include <cstring>
#include <stdexcept>
#include <unordered_map>

namespace tapegrad::io {
namespace {

// The opcodes, by the names of Python's pickletools.
enum : std::uint8_t {
  MARK = '(', STOP = '.', BININT = 'J', BININT1 = 'K', BININT2 = 'M', NONE = 'N', BINPERSID = 'Q', REDUCE = 'R',
  BINUNICODE = 'X', APPEND = 'a', BUILD = 'b', GLOBAL = 'c', APPENDS = 'e', BINGET = 'h', LONG_BINGET = 'j',
  EMPTY_LIST = ']', BINPUT = 'q', LONG_BINPUT = 'r', SETITEM = 's', TUPLE = 't', SETITEMS = 'u', EMPTY_DICT = '}',
  EMPTY_TUPLE = ')', BINFLOAT = 'G', PROTO = 0x80, TUPLE1 = 0x85, TUPLE2 = 0x86, TUPLE3 = 0x87, NEWTRUE = 0x88,
  NEWFALSE = 0x89, LONG1 = 0x8a, NEWOBJ = 0x81,
};

constexpr std::size_t kMaxGlobalLine = 256;
// A memo entry: its value and an unordered_map node (links, hash, bucket), from above.
constexpr std::uint64_t kMemoSlotBytes = sizeof(PtValue) + 64;

class Unpickler {
 public:
  Unpickler(std::span<const std::uint8_t> bytes, const PickleHooks& hooks, MemoryBudget& budget, std::string prefix)
      : in_(bytes), hooks_(hooks), budget_(budget), prefix_(std::move(prefix)) {}

  PtValue run() {
    if (in_.size() < 2 || in_[0] != PROTO)
      throw std::runtime_error(prefix_ + "does not start with a pickle PROTO opcode (not a pickle?)");
    while (true) {
      op_offset_ = pos_;
      const std::uint8_t code = take(1)[0];
      try {
        if (code == STOP) break;
        step(code);
      } catch (const std::invalid_argument& e) {  // a problem with the content: where it is
        fail(e.what());
      }
    }
    if (stack_.size() != 1 || !marks_.empty()) fail("STOP leaves " + std::to_string(stack_.size()) + " values on the stack");
    if (pos_ != in_.size()) fail(std::to_string(in_.size() - pos_) + " bytes follow STOP");
    return std::move(stack_.back());
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw std::runtime_error(prefix_ + "byte offset " + std::to_string(op_offset_) + ": " + problem);
  }

  const std::uint8_t* take(std::size_t n) {
    if (in_.size() - pos_ < n)
      fail("the pickle ends inside an opcode (needs " + std::to_string(n) + " more bytes, has " +
           std::to_string(in_.size() - pos_) + ")");
    const std::uint8_t* p = in_.data() + pos_;
    pos_ += n;
    return p;
  }
  std::uint64_t le(std::size_t n) {
    const std::uint8_t* p = take(n);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= std::uint64_t{p[i]} << (8 * i);
    return v;
  }
  std::string line() {
    const std::size_t start = pos_;
    while (pos_ < in_.size() && in_[pos_] != '\n' && pos_ - start <= kMaxGlobalLine) ++pos_;
    if (pos_ == in_.size() || in_[pos_] != '\n') fail("GLOBAL's name is unterminated or longer than 256 bytes");
    return std::string(reinterpret_cast<const char*>(in_.data() + start), pos_++ - start);
  }

  PtValue pop() {
    if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) fail("pops an empty stack");
    PtValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  PtValue& top() {
    if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size())) fail("reads an empty stack");
    return stack_.back();
  }
  // The values since the last MARK, which is dropped.
  std::vector<PtValue> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    std::vector<PtValue> items(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(marks_.back())),
                               std::make_move_iterator(stack_.end()));
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }
  // A new value (or another reference to one: it takes a slot too).
  void push(PtValue v) {
    budget_.charge(v.footprint());
    push_checked(std::move(v));
  }
  void push_checked(PtValue v) {
    if (v.depth() > kMaxPickleDepth) fail("values nest deeper than " + std::to_string(kMaxPickleDepth) + " levels");
    if (v.tree_size() > budget_.limit() / kTreeValueBytes)
      fail("the object tree would hold more than " + std::to_string(budget_.limit() / kTreeValueBytes) +
           " values (a value shared k times counts k times), over the memory limit: " + budget_.refusal());
    stack_.push_back(std::move(v));
  }
  // After changing the container on top: its bounds still hold.
  void recheck() { push_checked(pop()); }
  void push_tuple(std::vector<PtValue> items) { push(PtValue::tuple(std::move(items))); }

  void step(std::uint8_t code) {
    switch (code) {
      case PROTO:
        if (const std::uint8_t v = take(1)[0]; v != 2 || op_offset_ != 0)
          fail("pickle protocol " + std::to_string(v) + " (torch.save writes protocol 2, the only one read)");
        return;
      case MARK: marks_.push_back(stack_.size()); return;
      case NONE: return push(PtValue());
      case NEWTRUE: return push(PtValue::boolean(true));
      case NEWFALSE: return push(PtValue::boolean(false));
      case BININT: return push(PtValue::integer(static_cast<std::int32_t>(le(4))));
      case BININT1: return push(PtValue::integer(static_cast<std::int64_t>(le(1))));
      case BININT2: return push(PtValue::integer(static_cast<std::int64_t>(le(2))));
      case LONG1: {
        const std::size_t n = take(1)[0];
        if (n > 8) fail("an integer of " + std::to_string(n) + " bytes does not fit 64 bits");
        std::uint64_t v = le(n);
        if (n > 0 && n < 8 && (v >> (8 * n - 1)) & 1) v |= ~std::uint64_t{0} << (8 * n);  // sign-extend
        return push(PtValue::integer(static_cast<std::int64_t>(v)));
      }
      case BINFLOAT: {
        const std::uint8_t* p = take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = bits << 8 | p[i];  // big-endian
        return push(PtValue::floating(std::bit_cast<double>(bits)));
      }
      case BINUNICODE: {
        const std::uint64_t n = le(4);
        const std::uint8_t* p = take(n);
        return push(PtValue::string(std::string(reinterpret_cast<const char*>(p), n)));
      }
      case EMPTY_TUPLE: return push(PtValue::tuple({}));
      case TUPLE: return push_tuple(pop_mark());
      case TUPLE1: case TUPLE2: case TUPLE3: {
        std::vector<PtValue> items(code - TUPLE1 + 1);
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        return push_tuple(std::move(items));
      }
      case EMPTY_LIST: return push(PtValue::list());
      case EMPTY_DICT: return push(PtValue::dict());
      case APPEND: {
        PtValue v = pop();
        top().append(std::move(v));
        return recheck();
      }
      case APPENDS: {
        std::vector<PtValue> items = pop_mark();
        for (PtValue& v : items) top().append(std::move(v));
        return recheck();
      }
      case SETITEM: {
        PtValue v = pop(), k = pop();
        budget_.charge(PtValue::entry_footprint(k));
        top().set(std::move(k), std::move(v));
        return recheck();
      }
      case SETITEMS: {
        std::vector<PtValue> items = pop_mark();
        if (items.size() % 2) fail("SETITEMS with an odd number of values");
        for (std::size_t i = 0; i < items.size(); i += 2) {
          budget_.charge(PtValue::entry_footprint(items[i]));
          top().set(std::move(items[i]), std::move(items[i + 1]));
        }
        return recheck();
      }
      case BUILD: {
        PtValue state = pop();
        if (top().kind() != PtValue::Kind::kDict || state.kind() != PtValue::Kind::kDict)
          fail(std::string("BUILD of a ") + top().kind_name() + " with a " + state.kind_name() +
               " (only a dict's attributes are read)");
        top().set_attributes(std::move(state));
        return recheck();
      }
      case BINPUT: return memo_put(le(1));
      case LONG_BINPUT: return memo_put(le(4));
      case BINGET: return memo_get(le(1));
      case LONG_BINGET: return memo_get(le(4));
      case GLOBAL: {
        const std::string module = line(), name = line();
        return push(hooks_.global(module, name));
      }
      case REDUCE: {
        PtValue args = pop(), callable = pop();
        if (callable.kind() != PtValue::Kind::kGlobal || args.kind() != PtValue::Kind::kTuple)
          fail(std::string("REDUCE of a ") + callable.kind_name() + " with a " + args.kind_name());
        args.freeze();
        return push(hooks_.reduce(callable, args));
      }
      case NEWOBJ: {  // cls.__new__(cls, *args): to the reduce hook, as a call of cls
        PtValue args = pop(), cls = pop();
        if (cls.kind() != PtValue::Kind::kGlobal || args.kind() != PtValue::Kind::kTuple)
          fail(std::string("NEWOBJ of a ") + cls.kind_name() + " with a " + args.kind_name());
        args.freeze();
        return push(hooks_.reduce(cls, args));
      }
      case BINPERSID: {
        PtValue pid = pop();
        pid.freeze();
        return push(hooks_.persistent_load(pid));
      }
      default: {
        char hex[8];
        std::snprintf(hex, sizeof hex, "0x%02x", code);
        fail(std::string("opcode ") + hex + " is not one torch.save writes at protocol 2; refused");
      }
    }
  }

  void memo_put(std::uint64_t index) {
    if (!memo_.count(index)) budget_.charge(kMemoSlotBytes);
    memo_[index] = top();
  }
  void memo_get(std::uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry " + std::to_string(index) + " was never stored");
    push(it->second);
  }

  std::span<const std::uint8_t> in_;
  const PickleHooks& hooks_;
  MemoryBudget& budget_;
  std::string prefix_;
  std::size_t pos_ = 0, op_offset_ = 0;
  std::vector<PtValue> stack_;
  std::vector<std::size_t> marks_;
  // At most one entry per opcode read, so bounded by the pickle's size.
  std::unordered_map<std::uint64_t, PtValue> memo_;
};

}  // namespace

void MemoryBudget::charge(std::uint64_t bytes) {
  if (bytes > limit_ - used_) throw std::invalid_argument(refusal());
  used_ += bytes;
}

std::string MemoryBudget::refusal() const {
  return "reading it would take more than " + std::to_string(limit_) + " bytes of memory, the limit " + why_;
}

PtValue unpickle(std::span<const std::uint8_t> bytes, const PickleHooks& hooks, MemoryBudget& budget,
                 const std::string& error_prefix) {
  return Unpickler(bytes, hooks, budget, error_prefix).run();
}

// ---------------------------------------------------------------------------------------------
// Writing

PickleWriter::PickleWriter() {
  op(PROTO);
  out_.push_back(2);
}
void PickleWriter::op(std::uint8_t code) { out_.push_back(code); }
void PickleWriter::le(std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void PickleWriter::none() { op(NONE); }
void PickleWriter::boolean(bool v) { op(v ? NEWTRUE : NEWFALSE); }
void PickleWriter::integer(std::int64_t v) {
  // As Python's pickler: the shortest of BININT1, BININT2, BININT, else LONG1 with 8 bytes.
  if (v >= 0 && v < 256) op(BININT1), le(static_cast<std::uint64_t>(v), 1);
  else if (v >= 0 && v < 65536) op(BININT2), le(static_cast<std::uint64_t>(v), 2);
  else if (v >= INT32_MIN && v <= INT32_MAX) op(BININT), le(static_cast<std::uint32_t>(v), 4);
  else op(LONG1), out_.push_back(8), le(static_cast<std::uint64_t>(v), 8);
}
void PickleWriter::floating(double v) {
  op(BINFLOAT);
  const std::uint64_t bits = std::bit_cast<std::uint64_t>(v);
  for (int i = 7; i >= 0; --i) out_.push_back(static_cast<std::uint8_t>(bits >> (8 * i)));
}
void PickleWriter::string(const std::string& v) {
  if (v.size() > UINT32_MAX) throw std::invalid_argument("pickle: a string over 4 GiB");
  op(BINUNICODE), le(v.size(), 4);
  out_.insert(out_.end(), v.begin(), v.end());
}
void PickleWriter::global(const std::string& module, const std::string& name) {
  op(GLOBAL);
  for (const std::string* s : {&module, &name}) out_.insert(out_.end(), s->begin(), s->end()), out_.push_back('\n');
}
void PickleWriter::mark() { op(MARK); }
void PickleWriter::tuple(std::size_t n) {
  if (n == 0) op(EMPTY_TUPLE);
  else if (n <= 3) op(static_cast<std::uint8_t>(TUPLE1 + n - 1));
  else op(TUPLE);
}
void PickleWriter::empty_list() { op(EMPTY_LIST); }
void PickleWriter::empty_dict() { op(EMPTY_DICT); }
void PickleWriter::appends() { op(APPENDS); }
void PickleWriter::setitems() { op(SETITEMS); }
void PickleWriter::reduce() { op(REDUCE); }
void PickleWriter::persistent_id() { op(BINPERSID); }
void PickleWriter::build() { op(BUILD); }
std::vector<std::uint8_t> PickleWriter::finish() {
  op(STOP);
  return std::move(out_);
}

}  // namespace tapegrad::io
