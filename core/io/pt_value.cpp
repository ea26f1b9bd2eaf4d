#include "pt_value.hpp"

#include <algorithm>
#include <stdexcept>

namespace tapegrad::io {

struct PtValue::Container {
  Items items;                       // tuple, list
  Entries entries;                   // dict
  std::map<Key, std::size_t> index;  // dict: key -> position in entries
  std::unique_ptr<PtValue> attributes;
  bool ordered = false, frozen = false;
  int depth = 1;
  std::uint64_t tree_size = 1;
};

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
  p.kind_ = Kind::kString, p.string_ = std::move(v);
  return p;
}
PtValue PtValue::tensor(Tensor t) {
  PtValue p;
  p.kind_ = Kind::kTensor, p.tensor_ = std::move(t);
  return p;
}
PtValue PtValue::global(std::string name) {
  PtValue p;
  p.kind_ = Kind::kGlobal, p.string_ = std::move(name);
  return p;
}
PtValue PtValue::storage(std::shared_ptr<const PtStorage> s) {
  PtValue p;
  p.kind_ = Kind::kStorage, p.storage_ = std::move(s);
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
  p.kind_ = Kind::kList, p.container_ = std::make_shared<Container>();
  for (PtValue& v : items) p.append(std::move(v));
  return p;
}
PtValue PtValue::dict(bool ordered) {
  PtValue p;
  p.kind_ = Kind::kDict, p.container_ = std::make_shared<Container>();
  p.container_->ordered = ordered;
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
  return string_;
}
const Tensor& PtValue::as_tensor() const { return check_kind(Kind::kTensor, "tensor"), tensor_; }
const std::shared_ptr<const PtStorage>& PtValue::as_storage() const {
  return check_kind(Kind::kStorage, "storage"), storage_;
}

PtValue::Container& PtValue::container() const {
  if (!container_) throw std::invalid_argument(std::string("PtValue: expected a container, got ") + kind_name());
  return *container_;
}

const PtValue::Items& PtValue::items() const {
  if (kind_ != Kind::kList) check_kind(Kind::kTuple, "tuple or list");
  return container_->items;
}
const PtValue::Entries& PtValue::entries() const { return check_kind(Kind::kDict, "dict"), container_->entries; }
bool PtValue::ordered() const { return check_kind(Kind::kDict, "dict"), container_->ordered; }

const PtValue* PtValue::find(const std::string& key) const {
  check_kind(Kind::kDict, "dict");
  auto it = container_->index.find(Key(key));
  return it == container_->index.end() ? nullptr : &container_->entries[it->second].second;
}
const PtValue* PtValue::find(std::int64_t key) const {
  check_kind(Kind::kDict, "dict");
  auto it = container_->index.find(Key(key));
  return it == container_->index.end() ? nullptr : &container_->entries[it->second].second;
}
const PtValue& PtValue::attributes() const {
  static const PtValue none;
  check_kind(Kind::kDict, "dict");
  return container_->attributes ? *container_->attributes : none;
}

void PtValue::add_child(const PtValue& child) {
  Container& c = container();
  // Nested containers never change again: so no value can contain itself, and depth and tree size
  // stay exact.
  if (c.frozen) throw std::invalid_argument("PtValue: a container cannot change once it is inside another");
  if (child.container_) {
    if (child.container_.get() == &c) throw std::invalid_argument("PtValue: a container cannot contain itself");
    child.container_->frozen = true;
    c.depth = std::max(c.depth, child.container_->depth + 1);
  }
  // Saturating: a hostile file can share a value so that the tree counts 2^64 of them.
  const std::uint64_t add = child.tree_size();
  c.tree_size = c.tree_size + add < c.tree_size ? UINT64_MAX : c.tree_size + add;
}

void PtValue::append(PtValue v) {
  if (kind_ != Kind::kList) check_kind(Kind::kTuple, "tuple or list");
  add_child(v);
  container_->items.push_back(std::move(v));
}

void PtValue::set(PtValue key, PtValue v) {
  check_kind(Kind::kDict, "dict");
  Key k;
  if (key.kind_ == Kind::kString) k = key.string_;
  else if (key.kind_ == Kind::kInt) k = key.int_;
  else throw std::invalid_argument(std::string("PtValue: a dict key must be a string or an int, got ") + key.kind_name());
  add_child(v);
  add_child(key);
  auto [it, inserted] = container_->index.emplace(std::move(k), container_->entries.size());
  if (inserted) container_->entries.emplace_back(std::move(key), std::move(v));
  else container_->entries[it->second].second = std::move(v);
}

void PtValue::set_attributes(PtValue state) {
  check_kind(Kind::kDict, "dict");
  add_child(state);
  container_->attributes = std::make_unique<PtValue>(std::move(state));
}

int PtValue::depth() const { return container_ ? container_->depth : 0; }
std::uint64_t PtValue::tree_size() const { return container_ ? container_->tree_size : 1; }
bool PtValue::frozen() const { return container_ && container_->frozen; }
void PtValue::freeze() const {
  if (container_) container_->frozen = true;
}

}  // namespace tapegrad::io
