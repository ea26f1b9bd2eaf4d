// PtValue: one value of a pickled Python object tree as torch.save writes it — None, bools, integers,
// floats, strings, tuples, lists, dicts with string or integer keys, tensors — plus the two kinds
// the unpickler meets on the way (a global's name; a storage's bytes) that read_pt returns only when
// a file holds them bare. Containers are shared, as Python objects are: a copy of a PtValue is
// another reference to the same list or dict. A value is small (32 bytes: anything larger than a
// number lives behind one shared pointer), since a file can make many of them (pickle.hpp bounds
// their memory by footprint()).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "../tensor.hpp"

namespace tapegrad::io {

// A torch storage of the archive: its class ("FloatStorage") and its elements, read once and
// converted (core/io/pt_tensor.hpp) into a 1-D tensor its tensors are views of.
struct PtStorage {
  std::string type;
  Tensor data;
};

class PtValue {
 public:
  enum class Kind { kNone, kBool, kInt, kFloat, kString, kTuple, kList, kDict, kTensor, kGlobal, kStorage };
  using Items = std::vector<PtValue>;
  using Entries = std::vector<std::pair<PtValue, PtValue>>;

  PtValue() = default;  // None
  static PtValue boolean(bool v);
  static PtValue integer(std::int64_t v);
  static PtValue floating(double v);
  static PtValue string(std::string v);
  static PtValue tensor(Tensor t);
  static PtValue global(std::string qualified_name);  // "collections.OrderedDict"
  static PtValue storage(std::shared_ptr<const PtStorage> s);
  static PtValue tuple(Items items);
  static PtValue list(Items items = {});
  static PtValue dict(bool ordered = false);  // ordered: a collections.OrderedDict

  Kind kind() const { return kind_; }
  const char* kind_name() const;  // "tuple", ...
  bool is_none() const { return kind_ == Kind::kNone; }

  // Each accessor throws std::invalid_argument naming the kinds when the value is another kind.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_float() const;  // a float (an integer is not converted)
  const std::string& as_string() const;  // a string or a global's name
  const Tensor& as_tensor() const;
  std::shared_ptr<const PtStorage> as_storage() const;
  const Items& items() const;      // of a tuple or list
  const Entries& entries() const;  // of a dict, in insertion order
  bool ordered() const;            // of a dict
  const PtValue* find(const std::string& key) const;  // a dict's value under a string key, or null
  const PtValue* find(std::int64_t key) const;        // under an integer key
  const PtValue& attributes() const;  // a dict's instance attributes (BUILD's state), None if none

  // Building (the unpickler, writers). set() replaces the value of an existing key in place, as
  // Python's dict does. Keys must be strings or integers. A container put in another is frozen: changing
  // it afterwards is std::invalid_argument (torch.save never does; it keeps every tree acyclic).
  void append(PtValue v);
  void set(PtValue key, PtValue v);
  void set_attributes(PtValue state);

  // Bookkeeping the unpickler uses to bound what a file can make: the nesting depth, the number of
  // values as a tree (a value shared k times counts k times), and whether a container was put in
  // another (after which torch.save never changes it).
  int depth() const;
  std::uint64_t tree_size() const;
  bool frozen() const;
  void freeze() const;
  // An upper estimate of the bytes this value itself takes (not its elements, counted as they are
  // made): itself, twice (the vectors holding values grow by doubling), and what it points to.
  std::uint64_t footprint() const;
  // The bytes one more dict entry takes beyond its key and value (its slot and its index node).
  static std::uint64_t entry_footprint(const PtValue& key);

 private:
  struct Container;
  struct DictIndex;
  using Key = std::variant<std::int64_t, std::string>;
  Container& container() const;  // of a list, tuple or dict; throws otherwise
  template <class T> const T& payload() const { return *static_cast<const T*>(payload_.get()); }
  void check_kind(Kind k, const char* wanted) const;
  void add_child(const PtValue& child);

  Kind kind_ = Kind::kNone;
  union {
    std::int64_t int_ = 0;  // bool too
    double float_;
  };
  // A string or global's name (std::string), a Tensor, a PtStorage or a Container; null otherwise.
  std::shared_ptr<void> payload_;
};

}  // namespace tapegrad::io
