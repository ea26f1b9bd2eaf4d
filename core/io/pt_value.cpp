#include "pt_value.hpp"

#include <algorithm>
#include <stdexcept>

namespace tapegrad::io {

// A dict's extra parts, apart so that tuples and lists (the many) stay small.
struct PtValue::DictIndex {
  std::map<Key, std::size_t> index;  // key -> position in entries
  PtValue attributes;                // None when BUILD never set any
  bool ordered = false;
};

struct PtValue::Container {
  Items items;                       // tuple, list
  Entries entries;                   // dict
  std::unique_ptr<DictIndex> dict;   // dict
  bool frozen = false;
  int depth = 1;
  std::uint64_t tree_size = 1;
};

namespace {
// What a shared_ptr's allocation adds to its object (control block, allocator header), and a
// std::map node's tree links, both rounded up.
constexpr std::uint64_t kSharedOverhead = 32, kMapNodeOverhead = 48;
}  // namespace

PtValue PtValue::boolean(bool v) {
  PtValue p;
  p.kind_ = Kind::kBool, p.int_ = v;
  return p;
}
PtValue PtValue::integer(std::int64_t v) {
  PtValue p;
  p.kind_ = Kind::kInt, p.int_ = v;
  return p;
}
PtValue PtValue::floating(double v) {
  PtValue p;
  p.kind_ = Kind::kFloat, p.float_ = v;
  return p;
}
PtValue PtValue::string(std::string v) {
  PtValue p;
  p.kind_ = Kind::kString, p.payload_ = std::make_shared<std::string>(std::move(v));
  return p;
}
PtValue PtValue::tensor(Tensor t) {
  PtValue p;
  p.kind_ = Kind::kTensor, p.payload_ = std::make_shared<Tensor>(std::move(t));
  return p;
}
PtValue PtValue::global(std::string name) {
  PtValue p = string(std::move(name));
  p.kind_ = Kind::kGlobal;
  return p;
}
PtValue PtValue::storage(std::shared_ptr<const PtStorage> s) {
  PtValue p;
  p.kind_ = Kind::kStorage, p.payload_ = std::const_pointer_cast<PtStorage>(std::move(s));
  return p;
}
PtValue PtValue::tuple(Items items) {
  PtValue p = list();
  p.kind_ = Kind::kTuple;
  for (PtValue& v : items) p.append(std::move(v));
  return p;
}
PtValue PtValue::list(Items items) {
  PtValue p;
  p.kind_ = Kind::kList, p.payload_ = std::make_shared<Container>();
  for (PtValue& v : items) p.append(std::move(v));
  return p;
}
PtValue PtValue::dict(bool ordered) {
  PtValue p;
  auto c = std::make_shared<Container>();
  c->dict = std::make_unique<DictIndex>();
  c->dict->ordered = ordered;
  p.kind_ = Kind::kDict, p.payload_ = std::move(c);
  return p;
}

const char* PtValue::kind_name() const {
  switch (kind_) {
    case Kind::kNone: return "None";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "string";
    case Kind::kTuple: return "tuple";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kTensor: return "tensor";
    case Kind::kGlobal: return "global";
    case Kind::kStorage: break;
  }
  return "storage";
}

void PtValue::check_kind(Kind k, const char* wanted) const {
  if (kind_ != k) throw std::invalid_argument(std::string("PtValue: expected ") + wanted + ", got " + kind_name());
}

bool PtValue::as_bool() const { return check_kind(Kind::kBool, "bool"), int_ != 0; }
std::int64_t PtValue::as_int() const { return check_kind(Kind::kInt, "int"), int_; }
double PtValue::as_float() const { return check_kind(Kind::kFloat, "float"), float_; }
const std::string& PtValue::as_string() const {
  if (kind_ != Kind::kGlobal) check_kind(Kind::kString, "string");
  return payload<std::string>();
}
const Tensor& PtValue::as_tensor() const { return check_kind(Kind::kTensor, "tensor"), payload<Tensor>(); }
std::shared_ptr<const PtStorage> PtValue::as_storage() const {
  check_kind(Kind::kStorage, "storage");
  return std::static_pointer_cast<const PtStorage>(payload_);
}

PtValue::Container& PtValue::container() const {
  if (kind_ != Kind::kTuple && kind_ != Kind::kList && kind_ != Kind::kDict)
    throw std::invalid_argument(std::string("PtValue: expected a container, got ") + kind_name());
  return *static_cast<Container*>(payload_.get());
}

const PtValue::Items& PtValue::items() const {
  if (kind_ != Kind::kList) check_kind(Kind::kTuple, "tuple or list");
  return container().items;
}
const PtValue::Entries& PtValue::entries() const { return check_kind(Kind::kDict, "dict"), container().entries; }
bool PtValue::ordered() const { return check_kind(Kind::kDict, "dict"), container().dict->ordered; }

const PtValue* PtValue::find(const std::string& key) const {
  check_kind(Kind::kDict, "dict");
  const Container& c = container();
  auto it = c.dict->index.find(Key(key));
  return it == c.dict->index.end() ? nullptr : &c.entries[it->second].second;
}
const PtValue* PtValue::find(std::int64_t key) const {
  check_kind(Kind::kDict, "dict");
  const Container& c = container();
  auto it = c.dict->index.find(Key(key));
  return it == c.dict->index.end() ? nullptr : &c.entries[it->second].second;
}
const PtValue& PtValue::attributes() const { return check_kind(Kind::kDict, "dict"), container().dict->attributes; }

void PtValue::add_child(const PtValue& child) {
  Container& c = container();
  // Nested containers never change again: so no value can contain itself, and depth and tree size
  // stay exact.
  if (c.frozen) throw std::invalid_argument("PtValue: a container cannot change once it is inside another");
  if (child.depth() > 0) {
    Container& inner = child.container();
    if (&inner == &c) throw std::invalid_argument("PtValue: a container cannot contain itself");
    inner.frozen = true;
    c.depth = std::max(c.depth, inner.depth + 1);
  }
  // Saturating: a hostile file can share a value so that the tree counts 2^64 of them.
  const std::uint64_t add = child.tree_size();
  c.tree_size = c.tree_size + add < c.tree_size ? UINT64_MAX : c.tree_size + add;
}

void PtValue::append(PtValue v) {
  if (kind_ != Kind::kList) check_kind(Kind::kTuple, "tuple or list");
  add_child(v);
  container().items.push_back(std::move(v));
}

void PtValue::set(PtValue key, PtValue v) {
  check_kind(Kind::kDict, "dict");
  Key k;
  if (key.kind_ == Kind::kString) k = key.as_string();
  else if (key.kind_ == Kind::kInt) k = key.int_;
  else throw std::invalid_argument(std::string("PtValue: a dict key must be a string or an int, got ") + key.kind_name());
  add_child(v);
  add_child(key);
  Container& c = container();
  auto [it, inserted] = c.dict->index.emplace(std::move(k), c.entries.size());
  if (inserted) c.entries.emplace_back(std::move(key), std::move(v));
  else c.entries[it->second].second = std::move(v);
}

void PtValue::set_attributes(PtValue state) {
  check_kind(Kind::kDict, "dict");
  add_child(state);
  container().dict->attributes = std::move(state);
}

int PtValue::depth() const {
  const bool is_container = kind_ == Kind::kTuple || kind_ == Kind::kList || kind_ == Kind::kDict;
  return is_container ? container().depth : 0;
}
std::uint64_t PtValue::tree_size() const { return depth() > 0 ? container().tree_size : 1; }
bool PtValue::frozen() const { return depth() > 0 && container().frozen; }
void PtValue::freeze() const {
  if (depth() > 0) container().frozen = true;
}

std::uint64_t PtValue::footprint() const {
  std::uint64_t bytes = 2 * sizeof(PtValue);
  switch (kind_) {
    case Kind::kString: case Kind::kGlobal: bytes += sizeof(std::string) + kSharedOverhead + as_string().capacity(); break;
    case Kind::kTensor: {
      const Tensor& t = as_tensor();  // a view: its TensorImpl and the sizes and strides it holds
      bytes += sizeof(Tensor) + sizeof(TensorImpl) + 2 * kSharedOverhead + 2 * sizeof(std::int64_t) * t.shape().size();
      break;
    }
    case Kind::kStorage: bytes += sizeof(PtStorage) + kSharedOverhead; break;  // its data counted where it is read
    case Kind::kTuple: case Kind::kList: bytes += sizeof(Container) + kSharedOverhead; break;
    case Kind::kDict: bytes += sizeof(Container) + kSharedOverhead + sizeof(DictIndex) + kSharedOverhead; break;
    default: break;
  }
  return bytes;
}

std::uint64_t PtValue::entry_footprint(const PtValue& key) {
  const std::uint64_t copy = key.kind() == Kind::kString ? key.as_string().capacity() : 0;  // the index's own copy
  return 2 * sizeof(Entries::value_type) + sizeof(std::pair<const Key, std::size_t>) + kMapNodeOverhead + copy;
}

}  // namespace tapegrad::io
