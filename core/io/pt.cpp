#include "pt.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <type_traits>
#include <stdexcept>

#include "atomic_file.hpp"
#include "pickle.hpp"
#include "pt_tensor.hpp"
#include "zip.hpp"

namespace tapegrad::io {
namespace {

// torch.save's legacy format opens with PROTO 2 and LONG1 of its 10-byte magic number.
constexpr std::uint8_t kLegacyStart[] = {0x80, 0x02, 0x8a, 0x0a};
constexpr const char* kOrderedDict = "collections.OrderedDict";
constexpr const char* kRebuildTensor = "torch._utils._rebuild_tensor_v2";
constexpr const char* kRebuildParameter = "torch._utils._rebuild_parameter";
// The class of the object libtorch's C++ torch::save(tensor) and torch::save(std::vector<Tensor>)
// pickle into a TorchScript archive (serialize::OutputArchive): its attributes are the tensors, "0",
// "1", ...; its code (a class body declaring them) is never read, let alone run.
constexpr const char* kLibtorchArchive = "__torch__.Module";

bool starts_with(std::span<const std::uint8_t> bytes, std::span<const std::uint8_t> start) {
  return bytes.size() >= start.size() && std::equal(start.begin(), start.end(), bytes.begin());
}

std::vector<std::uint8_t> first_bytes(const std::string& path, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw checkpoint_error(path, std::string("cannot open for reading: ") + std::strerror(errno));
  out.resize(std::fread(out.data(), 1, n, f));
  std::fclose(f);
  return out;
}

Shape int_tuple(const PtValue& v, const char* what) {
  if (v.kind() != PtValue::Kind::kTuple) throw std::invalid_argument(std::string(what) + " is a " + v.kind_name() + ", not a tuple");
  Shape out;
  for (const PtValue& x : v.items()) {
    if (x.kind() != PtValue::Kind::kInt) throw std::invalid_argument(std::string(what) + " holds a " + x.kind_name());
    out.push_back(x.as_int());
  }
  return out;
}

bool empty_hooks(const PtValue& v) {
  return v.is_none() || (v.kind() == PtValue::Kind::kDict && v.entries().empty());
}

// The hooks that give the pickle of one archive its meaning: torch's allow-list, its two rebuild
// functions and its storages (read from the archive once each, however often they are referenced).
class TorchHooks {
 public:
  // `torchscript`: the archive is TorchScript's (libtorch's torch::save is read from those).
  TorchHooks(const ZipReader& zip, std::string archive, MemoryBudget& budget, bool torchscript)
      : zip_(zip), archive_(std::move(archive)), budget_(budget), torchscript_(torchscript) {}

  PickleHooks hooks() {
    return {[this](const std::string& m, const std::string& n) { return global(m, n); },
            [this](const PtValue& f, const PtValue& args) { return reduce(f, args); },
            [this](const PtValue& pid) { return persistent_load(pid); }};
  }

 private:
  PtValue global(const std::string& module, const std::string& name) const {
    const std::string full = module + "." + name;
    if (full == kOrderedDict || full == kRebuildTensor || full == kRebuildParameter ||
        (module == "torch" && find_storage_type(name)) || (torchscript_ && full == kLibtorchArchive))
      return PtValue::global(full);
    if (torchscript_)
      throw std::invalid_argument("a TorchScript archive (torch.jit.save, or libtorch's C++ torch::save of a module) of "
                                  "the class '" + full + "'; only libtorch's torch::save of tensors (class " +
                                  kLibtorchArchive + ") and Python's torch.save format are read. Load it in Python "
                                  "and torch.save its state_dict()");
    throw std::invalid_argument("refuses the global '" + full + "': only " + kOrderedDict + ", " + kRebuildTensor +
                                ", " + kRebuildParameter +
                                " and torch's storage classes (Float, Double, Half, BFloat16, Long, Int, Short, "
                                "Char, Byte, Bool) are allowed; nothing from the file is run");
  }

  PtValue reduce(const PtValue& callable, const PtValue& args) {
    const std::string& f = callable.as_string();
    const PtValue::Items& a = args.items();
    if (f == kOrderedDict || f == kLibtorchArchive) {  // an object whose attributes BUILD sets
      if (!a.empty()) throw std::invalid_argument(f + " is called with arguments");
      return PtValue::dict(/*ordered=*/f == kOrderedDict);
    }
    if (f == kRebuildTensor) {
      if ((a.size() != 6 && a.size() != 7) || a[0].kind() != PtValue::Kind::kStorage || a[1].kind() != PtValue::Kind::kInt ||
          a[4].kind() != PtValue::Kind::kBool || !empty_hooks(a[5]) || (a.size() == 7 && !empty_hooks(a[6])))
        throw std::invalid_argument(std::string(kRebuildTensor) +
                                    " takes (storage, offset, size, stride, requires_grad, OrderedDict()) here");
      Tensor t = make_tensor_from_storage(a[0].as_storage()->data, a[1].as_int(), int_tuple(a[2], "size"),
                                          int_tuple(a[3], "stride"));
      if (a[4].as_bool()) t.requires_grad_(true);
      return PtValue::tensor(std::move(t));
    }
    if (f == kRebuildParameter) {
      if (a.size() != 3 || a[0].kind() != PtValue::Kind::kTensor || a[1].kind() != PtValue::Kind::kBool || !empty_hooks(a[2]))
        throw std::invalid_argument(std::string(kRebuildParameter) + " takes (tensor, requires_grad, OrderedDict()) here");
      Tensor t = a[0].as_tensor();
      t.requires_grad_(a[1].as_bool());
      return PtValue::tensor(std::move(t));
    }
    throw std::invalid_argument("'" + f + "' cannot be called");
  }

  // ('storage', torch.<Type>Storage, key, location, numel): the storage's bytes from data/<key>.
  PtValue persistent_load(const PtValue& pid) {
    const PtValue::Items* p = pid.kind() == PtValue::Kind::kTuple ? &pid.items() : nullptr;
    if (!p || p->size() != 5 || (*p)[0].kind() != PtValue::Kind::kString || (*p)[0].as_string() != "storage" ||
        (*p)[1].kind() != PtValue::Kind::kGlobal || (*p)[2].kind() != PtValue::Kind::kString ||
        (*p)[3].kind() != PtValue::Kind::kString || (*p)[4].kind() != PtValue::Kind::kInt)
      throw std::invalid_argument("a persistent id that is not ('storage', type, key, location, numel)");
    const std::string& cls = (*p)[1].as_string();
    const TorchStorageType* type = cls.rfind("torch.", 0) == 0 ? find_storage_type(cls.substr(6)) : nullptr;
    if (!type) throw std::invalid_argument("'" + cls + "' is not a storage class");
    const std::string& key = (*p)[2].as_string();
    const std::int64_t numel = (*p)[4].as_int();
    auto it = by_key_.find(key);
    if (it == by_key_.end()) {
      const std::string record = archive_ + "/data/" + key;
      const ZipEntry* entry = zip_.find(record);
      if (!entry) throw std::invalid_argument("storage '" + shown(key) + "' has no record '" + shown(record) + "'");
      std::uint64_t needed = 0;
      if (numel < 0 || __builtin_mul_overflow(static_cast<std::uint64_t>(numel), type->element_size, &needed) ||
          entry->size != needed)
        throw std::invalid_argument("storage '" + shown(key) + "' of " + std::to_string(numel) + " " + type->name +
                                    " elements needs " + (numel < 0 ? std::string("a count >= 0") : std::to_string(needed) + " bytes") +
                                    " but its record holds " + std::to_string(entry->size));
      // The record, then its converted elements (float16 to float32 doubles it, uint8 to int64 makes it 8 times).
      budget_.charge(entry->size + entry->size / type->element_size * element_size(type->dtype));
      auto storage = std::make_shared<PtStorage>();
      storage->type = type->name;
      storage->data = storage_tensor(*type, zip_.read(*entry));
      it = by_key_.emplace(key, std::move(storage)).first;
    } else if (it->second->type != type->name) {
      throw std::invalid_argument("storage '" + shown(key) + "' is read as " + it->second->type + " and as " + type->name);
    }
    return PtValue::storage(it->second);
  }

  const ZipReader& zip_;
  std::string archive_;
  MemoryBudget& budget_;
  bool torchscript_;
  std::map<std::string, std::shared_ptr<const PtStorage>> by_key_;
};

PtValue read_archive(const ZipReader& zip) {
  const auto& entries = zip.entries();
  const std::size_t slash = entries.empty() ? std::string::npos : entries[0].name.find('/');
  if (slash == std::string::npos) throw zip.error("not a torch.save archive: its first entry is not in a folder");
  const std::string archive = entries[0].name.substr(0, slash);
  bool torchscript = false;
  for (const ZipEntry& e : entries)
    torchscript |= e.name == archive + "/constants.pkl" || e.name.rfind(archive + "/code/", 0) == 0;
  const ZipEntry* pickle = zip.find(archive + "/data.pkl");
  if (!pickle) throw zip.error("not a torch.save archive: no '" + shown(archive) + "/data.pkl' record");
  // The memory budget: a few MiB, and more for an archive of more storage bytes. The zip reader has
  // checked their sizes against the file (entries apart, a deflated one at most 1032 bytes a byte), so
  // the sum stays far below 2^64.
  std::uint64_t storage_bytes = 0;
  for (const ZipEntry& e : entries)
    if (e.name.rfind(archive + "/data/", 0) == 0) storage_bytes += e.size;
  MemoryBudget budget(kPtBaseMemory + std::min(storage_bytes, UINT64_MAX / 2 / kPtMemoryPerStorageByte) * kPtMemoryPerStorageByte,
                      "for this archive (" + std::to_string(kPtBaseMemory) + " bytes + " +
                          std::to_string(kPtMemoryPerStorageByte) + " per byte of its " + std::to_string(storage_bytes) +
                          " bytes of storage records)");
  std::string entry = "'";  // (built in steps: GCC 12 warns falsely on "'" + std::string&&)
  entry += shown(pickle->name);
  entry += "' ";
  try {
    budget.charge(pickle->size);
  } catch (const std::invalid_argument& e) {
    throw zip.error(entry + "of " + std::to_string(pickle->size) + " bytes: " + e.what());
  }
  const std::vector<std::uint8_t> bytes = zip.read(*pickle);
  TorchHooks hooks(zip, archive, budget, torchscript);
  const std::string where = zip.error(entry).what();
  const PtValue root = unpickle(bytes, hooks.hooks(), budget, where);
  if (!torchscript) return root;
  // libtorch's archive object: its tensors by name.
  if (root.kind() != PtValue::Kind::kDict || root.ordered())
    throw zip.error(entry + "holds a " + root.kind_name() + ", not libtorch's torch::save object");
  return root.attributes().is_none() ? PtValue::dict() : root.attributes();
}

void check_not_legacy(std::span<const std::uint8_t> start, const std::string& name) {
  if (starts_with(start, kLegacyStart))
    throw checkpoint_error(name, "PyTorch's legacy (pre-1.6) torch.save format is not read; re-save it with PyTorch "
                                 "1.6 or later (torch.save(torch.load(path), path))");
}

// ---------------------------------------------------------------------------------------------
// Writing

// A storage to write, whole; the dtype its tensors have.
struct WrittenStorage {
  std::shared_ptr<Storage> storage;
  Dtype dtype;
};

class Writer {
 public:
  std::vector<std::uint8_t> pickle(const PtValue& root) {
    put(root);
    return out_.finish();
  }
  // The storages, in key order: key i holds storages[i].
  std::vector<WrittenStorage> storages;

 private:
  void put(const PtValue& v) {
    switch (v.kind()) {
      case PtValue::Kind::kNone: return out_.none();
      case PtValue::Kind::kBool: return out_.boolean(v.as_bool());
      case PtValue::Kind::kInt: return out_.integer(v.as_int());
      case PtValue::Kind::kFloat: return out_.floating(v.as_float());
      case PtValue::Kind::kString: return out_.string(v.as_string());
      case PtValue::Kind::kTuple: return tuple(v.items(), [&](const PtValue& x) { put(x); });
      case PtValue::Kind::kList:
        out_.empty_list();
        if (v.items().empty()) return;
        out_.mark();
        for (const PtValue& x : v.items()) put(x);
        return out_.appends();
      case PtValue::Kind::kDict: return dict(v);
      case PtValue::Kind::kTensor: return tensor(v.as_tensor());
      case PtValue::Kind::kGlobal:
      case PtValue::Kind::kStorage: break;
    }
    throw std::invalid_argument(std::string("write_pt: a ") + v.kind_name() + " cannot be written");
  }

  template <class Items, class Put> void tuple(const Items& items, Put&& put_item) {
    if (items.size() > 3) out_.mark();
    for (const auto& x : items) put_item(x);
    out_.tuple(items.size());
  }

  void ordered_dict() {
    out_.global("collections", "OrderedDict");
    out_.tuple(0);
    out_.reduce();
  }

  void dict(const PtValue& v) {
    if (v.ordered()) ordered_dict();
    else out_.empty_dict();
    if (!v.entries().empty()) {
      out_.mark();
      for (const auto& [key, value] : v.entries()) put(key), put(value);
      out_.setitems();
    }
    if (!v.attributes().is_none()) put(v.attributes()), out_.build();
  }

  void tensor(const Tensor& t) {
    if (!t.defined()) throw std::invalid_argument("write_pt: an undefined tensor cannot be written");
    // Each storage is written once, whole, and every tensor over it as its offset and strides, as
    // torch.save writes them: a transpose and its base, slices, tied weights stay views of one
    // another in PyTorch.
    const std::shared_ptr<Storage>& storage = t.impl()->storage;
    const auto [it, added] = keys_.emplace(std::pair(storage.get(), t.dtype()), storages.size());
    if (added) storages.push_back({storage, t.dtype()});
    out_.global("torch._utils", "_rebuild_tensor_v2");
    out_.mark();  // the arguments
    out_.mark();  // the persistent id
    out_.string("storage");
    out_.global("torch", storage_class(t.dtype()));
    out_.string(std::to_string(it->second));
    out_.string("cpu");
    out_.integer(static_cast<std::int64_t>(storage->nbytes / element_size(t.dtype())));
    out_.tuple(5);
    out_.persistent_id();
    out_.integer(t.storage_offset());
    tuple(t.shape(), [&](std::int64_t x) { out_.integer(x); });
    tuple(t.strides(), [&](std::int64_t x) { out_.integer(x); });
    out_.boolean(t.requires_grad());
    ordered_dict();
    out_.tuple(6);
    out_.reduce();
  }

  PickleWriter out_;
  std::map<std::pair<const Storage*, Dtype>, std::size_t> keys_;
};

// A whole archive: the pickle made (and so every check done) before the first byte goes out.
struct Archive {
  std::vector<std::uint8_t> pickle;
  std::vector<WrittenStorage> storages;
};

Archive prepare(const PtValue& root) {
  Writer writer;
  std::vector<std::uint8_t> pickle = writer.pickle(root);
  return {std::move(pickle), std::move(writer.storages)};
}

template <class Sink> void emit(const Archive& archive, Sink&& sink) {
  using S = std::remove_reference_t<Sink>;
  ZipWriter zip([](void* s, const void* data, std::uint64_t size) { (*static_cast<S*>(s))(data, size); }, &sink);
  zip.add("archive/data.pkl", archive.pickle);
  for (std::size_t i = 0; i < archive.storages.size(); ++i) {
    const Storage& s = *archive.storages[i].storage;
    const std::size_t n = s.nbytes / element_size(archive.storages[i].dtype) * element_size(archive.storages[i].dtype);
    zip.add("archive/data/" + std::to_string(i), {static_cast<const std::uint8_t*>(s.data), n});
  }
  const std::string version = "3\n";
  zip.add("archive/version", {reinterpret_cast<const std::uint8_t*>(version.data()), version.size()});
  zip.finish();
}

}  // namespace

bool looks_like_pt(std::span<const std::uint8_t> prefix) {
  // A zip's local header has a nonzero version and flags where a safetensors length has zeros.
  const bool zip = looks_like_zip(prefix) && prefix.size() >= 8 &&
                   (prefix[4] | prefix[5] | prefix[6] | prefix[7]) != 0;
  return zip || starts_with(prefix, kLegacyStart);
}

PtValue read_pt(const std::string& path) {
  check_not_legacy(first_bytes(path, sizeof kLegacyStart), path);
  const ZipReader zip(path);
  return read_archive(zip);
}

PtValue read_pt(std::span<const std::uint8_t> bytes, const std::string& name) {
  check_not_legacy(bytes, name);
  const ZipReader zip(bytes, name);
  return read_archive(zip);
}

NamedTensors pt_state_dict(const PtValue& root, const std::string& name) {
  if (root.kind() != PtValue::Kind::kDict)
    throw checkpoint_error(name, std::string("holds a ") + root.kind_name() + ", not a state_dict (a dict of tensors)");
  NamedTensors out;
  for (const auto& [key, value] : root.entries()) {
    if (key.kind() != PtValue::Kind::kString)
      throw checkpoint_error(name, "a state_dict key is a " + std::string(key.kind_name()) + ", not a string");
    if (value.kind() != PtValue::Kind::kTensor)
      throw checkpoint_error(name, "state_dict entry '" + shown(key.as_string()) + "' is a " + value.kind_name() +
                                       ", not a tensor");
    out.emplace_back(key.as_string(), value.as_tensor());
  }
  return out;
}

PtValue state_dict_value(const NamedTensors& state_dict) {
  PtValue dict = PtValue::dict(/*ordered=*/true);
  for (const auto& [name, t] : state_dict) {
    if (dict.find(name)) throw std::invalid_argument("write_pt: tensor name '" + shown(name) + "' appears twice");
    dict.set(PtValue::string(name), PtValue::tensor(t));
  }
  return dict;
}

void write_pt(const std::string& path, const PtValue& root) {
  const Archive archive = prepare(root);  // every check before the file is touched
  AtomicFile file(path, "checkpoint '" + path + "': ");
  emit(archive, [&](const void* data, std::uint64_t size) { file.write(data, size); });
  file.commit();
}

void write_pt(const std::string& path, const NamedTensors& state_dict) { write_pt(path, state_dict_value(state_dict)); }

std::vector<std::uint8_t> pt_bytes(const PtValue& root) {
  std::vector<std::uint8_t> bytes;
  emit(prepare(root), [&](const void* data, std::uint64_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + size);
  });
  return bytes;
}

}  // namespace tapegrad::io
