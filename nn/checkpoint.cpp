#include "checkpoint.hpp"

#include "../core/autograd.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

namespace tapegrad {
namespace {

// Tensor bytes are written and read as they lie in memory; the format is little-endian.
static_assert(std::endian::native == std::endian::little, "checkpoints assume a little-endian host");

constexpr std::uint64_t kLengthFieldBytes = 8;
// Same bound as the reference (Rust) safetensors reader: refuse to allocate more for a header.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";

std::runtime_error checkpoint_error(const std::string& path, const std::string& problem) {
  return std::runtime_error("checkpoint '" + path + "': " + problem);
}

const char* safetensors_dtype(Dtype dtype) {
  switch (dtype) {
    case Dtype::kFloat32: return "F32";
    case Dtype::kFloat64: return "F64";
    case Dtype::kInt64: break;
  }
  return "I64";
}

std::optional<Dtype> parse_dtype(const std::string& name) {
  if (name == "F32") return kFloat32;
  if (name == "F64") return kFloat64;
  if (name == "I64") return kInt64;
  return std::nullopt;
}

std::uint64_t byte_size(const Tensor& t) { return static_cast<std::uint64_t>(t.numel()) * element_size(t.dtype()); }

// The tensors a checkpoint holds: the module's state_dict (parameters and buffers, under PyTorch's
// names), the defined ones (an undefined slot, like a disabled bias, is left out, as PyTorch's
// state_dict leaves out None).
std::vector<std::pair<std::string, Tensor>> checkpoint_tensors(const nn::Module& module) {
  std::vector<std::pair<std::string, Tensor>> out;
  for (auto& [name, t] : module.state_dict())
    if (t.defined()) out.emplace_back(name, t);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

// JSON header in parameter order, space-padded so the data starts 8-byte aligned in the file.
std::string build_header(const std::vector<std::pair<std::string, Tensor>>& tensors, const std::string& path) {
  nlohmann::ordered_json header;
  // "pt": the tensors are laid out as PyTorch's state_dict (Linear weight is (out, in)).
  header[kMetadataKey] = {{"format", "pt"}};
  std::uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    if (name == kMetadataKey) throw checkpoint_error(path, std::string("a parameter may not be named ") + kMetadataKey);
    const std::uint64_t end = offset + byte_size(t);
    header[name] = {{"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, end}}};
    offset = end;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { close(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int close() {
    const int rc = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

// Writes all `size` bytes, retrying short writes and interruptions; throws with errno's text.
void write_all(int fd, const void* data, std::uint64_t size, const std::string& path) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, static_cast<std::size_t>(std::min<std::uint64_t>(size, 1u << 30)));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw checkpoint_error(path, std::string("write failed: ") + (n < 0 ? std::strerror(errno) : "no progress"));
    p += n;
    size -= static_cast<std::uint64_t>(n);
  }
}

// A unique name next to the target, so the final rename stays within one file system.
std::string temporary_name(const std::string& path) {
  static std::atomic<unsigned> counter{0};
  return path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

// Flushes the directory entry of a completed rename; best effort (some file systems refuse).
void sync_directory_of(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() >= 0) ::fsync(fd.get());
}

void write_checkpoint_file(int fd, const std::string& header, const std::vector<std::pair<std::string, Tensor>>& tensors,
                           const std::string& shown_path) {
  unsigned char length[kLengthFieldBytes];
  for (std::size_t i = 0; i < kLengthFieldBytes; ++i) length[i] = static_cast<unsigned char>(header.size() >> (8 * i));
  write_all(fd, length, sizeof length, shown_path);
  write_all(fd, header.data(), header.size(), shown_path);
  for (const auto& [name, t] : tensors) write_all(fd, t.raw_data(), byte_size(t), shown_path);
}

// ---------------------------------------------------------------------------------------------
// Reading

struct Entry {
  std::string name;
  std::string dtype;
  std::vector<std::uint64_t> shape;
  std::uint64_t begin = 0, end = 0;
};

std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// A name or string from the file as error messages show it: whole when short, else its start and
// its length, so a hostile megabyte-long name cannot blow up a message.
std::string shown(const std::string& text) {
  constexpr std::size_t kShownChars = 64;
  if (text.size() <= kShownChars) return text;
  return text.substr(0, kShownChars) + "... (" + std::to_string(text.size()) + " bytes)";
}

// What a safetensors header can hold, and what the parser below refuses beyond it.
constexpr std::size_t kMaxHeaderDepth = 3;  // {name: {"shape": [dims]}}
constexpr std::size_t kMaxDims = 64;        // more than any tensor has

// Parses the JSON header as a stream of events straight into entries (the JSON library's SAX
// interface), checking the structure as it goes. A document tree would cost a multiple of the header
// in memory, nlohmann's ordered object spends time quadratic in the number of keys, and its dump()
// recurses as deep as the nesting: a 2 MB header took 30 s and a 200 KB one overflowed the stack.
// Here the memory is the entries themselves, nesting stops at kMaxHeaderDepth, shapes at kMaxDims,
// and a repeated name (ambiguous: which one is the tensor?) is an error.
class HeaderParser final : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit HeaderParser(const std::string& file) : file_(file) {}

  std::vector<Entry> parse(const std::string& text) {
    nlohmann::json::sax_parse(text, this);
    return std::move(entries_);
  }

  bool null() override { return scalar("null"); }
  bool boolean(bool value) override { return scalar(value ? "true" : "false"); }
  bool number_integer(number_integer_t value) override {
    if (value >= 0) return number(static_cast<std::uint64_t>(value), std::to_string(value));  // "-0"
    return scalar(std::to_string(value));
  }
  bool number_unsigned(number_unsigned_t value) override { return number(value, std::to_string(value)); }
  bool number_float(number_float_t, const string_t& text) override { return scalar(shown(text)); }
  bool binary(binary_t&) override { return scalar("binary data"); }
  bool string(string_t& value) override {
    if (context() == In::kMetadata) return true;  // metadata is free text
    if (context() == In::kEntry && field_ == "dtype") {
      entry_.dtype = std::move(value);
      return true;
    }
    return scalar("\"" + shown(value) + "\"");
  }

  bool start_object(std::size_t) override { return open(true); }
  bool start_array(std::size_t) override { return open(false); }
  bool key(string_t& key) override {
    switch (open_.back()) {  // keys only come inside an object
      case In::kRoot:
        if (!names_.insert(key).second) throw fail("name '" + shown(key) + "' appears twice in the header");
        name_ = std::move(key);
        break;
      case In::kEntry:
        for (int i = 0; i < 3; ++i)
          if (key == kFields[i] && std::exchange(has_field_[i], true)) throw fail(where() + " has \"" + key + "\" twice");
        field_ = std::move(key);
        break;
      default:
        field_ = std::move(key);
    }
    return true;
  }
  bool end_object() override {
    if (close() == In::kEntry) {
      for (int i = 0; i < 3; ++i)
        if (!has_field_[i]) throw fail(where() + " has no \"" + kFields[i] + "\"");
      entry_.name = name_;
      entries_.push_back(std::move(entry_));
    }
    return true;
  }
  bool end_array() override {
    if (close() == In::kOffsets && offsets_ != 2) throw fail(where() + ": \"data_offsets\" must be [begin, end]");
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    throw fail(std::string("header is not valid JSON: ") + e.what());
  }

 private:
  // The containers open around the current event.
  enum class In { kRoot, kMetadata, kEntry, kShape, kOffsets, kOther };
  static constexpr const char* kFields[3] = {"dtype", "shape", "data_offsets"};

  std::runtime_error fail(const std::string& problem) const { return checkpoint_error(file_, problem); }
  std::string where() const { return "tensor '" + shown(name_) + "'"; }
  std::optional<In> context() const { return open_.empty() ? std::nullopt : std::optional(open_.back()); }

  // A value that is not a number: fine where the format does not care, else an error naming it.
  bool scalar(const std::string& text) {
    if (!context()) throw fail("header is not a JSON object");
    switch (*context()) {
      case In::kRoot:
        throw fail(name_ == kMetadataKey ? "\"__metadata__\" must be an object of strings" : where() + " is not a JSON object");
      case In::kMetadata: throw fail("\"__metadata__\" value for \"" + shown(field_) + "\" is not a string");
      case In::kEntry:
        if (field_ == "dtype") throw fail(where() + ": \"dtype\" must be a string");
        if (field_ == "shape") throw fail(where() + ": \"shape\" must be an array");
        if (field_ == "data_offsets") throw fail(where() + ": \"data_offsets\" must be [begin, end]");
        return true;  // a field safetensors does not define: ignored
      case In::kShape: throw fail(where() + " shape entry must be a non-negative integer, got " + text);
      case In::kOffsets:
        if (offsets_ >= 2) throw fail(where() + ": \"data_offsets\" must be [begin, end]");
        throw fail(where() + " data_offsets " + (offsets_ ? "end" : "begin") + " must be a non-negative integer, got " + text);
      case In::kOther: return true;
    }
    return true;
  }

  bool number(std::uint64_t value, const std::string& text) {
    if (context() == In::kShape) {
      if (entry_.shape.size() == kMaxDims)
        throw fail(where() + " shape has more than " + std::to_string(kMaxDims) + " dimensions");
      entry_.shape.push_back(value);
      return true;
    }
    if (context() == In::kOffsets) {
      if (offsets_ == 2) throw fail(where() + ": \"data_offsets\" must be [begin, end]");
      (offsets_++ ? entry_.end : entry_.begin) = value;
      return true;
    }
    return scalar(text);
  }

  // An object (or array) starts: what it is depends on where it is.
  bool open(bool object) {
    const std::optional<In> in = context();
    In next = In::kOther;
    if (!in) {
      if (!object) throw fail("header is not a JSON object");
      next = In::kRoot;
    } else if (*in == In::kRoot) {
      if (!object) return scalar("an array");
      next = name_ == kMetadataKey ? In::kMetadata : In::kEntry;
      if (next == In::kEntry) {
        entry_ = Entry{};
        std::fill(std::begin(has_field_), std::end(has_field_), false);
      }
    } else if (*in == In::kEntry && field_ == "shape" && !object) {
      next = In::kShape;
    } else if (*in == In::kEntry && field_ == "data_offsets" && !object) {
      next = In::kOffsets;
      offsets_ = 0;
    } else if (*in != In::kOther) {
      scalar(object ? "an object" : "an array");  // throws unless an unknown field of an entry
    }
    if (open_.size() == kMaxHeaderDepth)
      throw fail("header nests deeper than the " + std::to_string(kMaxHeaderDepth) + " levels of a safetensors header" +
                 (name_.empty() ? "" : " (in " + where() + ")"));
    open_.push_back(next);
    return true;
  }

  In close() {
    const In in = open_.back();
    open_.pop_back();
    return in;
  }

  std::string file_;
  std::vector<In> open_;
  std::set<std::string> names_;  // top-level keys seen so far
  std::string name_;             // the current top-level key
  std::string field_;            // the current key inside an entry or the metadata
  Entry entry_;                  // the entry being read
  bool has_field_[3] = {};
  int offsets_ = 0;              // data_offsets numbers read so far
  std::vector<Entry> entries_;
};

// Where the checkpoint's bytes come from: a file read piece by piece (only the header and the
// tensors are ever in memory), or a buffer the caller holds.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  virtual std::uint64_t size() const = 0;
  // Copies `size` bytes from `offset` (inside size()) into `out`; false when they cannot all be read.
  virtual bool read_at(std::uint64_t offset, void* out, std::uint64_t size) = 0;
};

class FileSource final : public ByteSource {
 public:
  explicit FileSource(const std::string& path) : in_(path, std::ios::binary) {
    if (!in_) throw checkpoint_error(path, std::string("cannot open for reading: ") + std::strerror(errno));
    in_.seekg(0, std::ios::end);
    const auto size = in_.tellg();
    // A directory opens on Linux but has no size.
    if (!in_ || size < 0 || std::filesystem::is_directory(path)) throw checkpoint_error(path, "not a readable regular file");
    size_ = static_cast<std::uint64_t>(size);
    in_.seekg(0);
  }
  std::uint64_t size() const override { return size_; }
  bool read_at(std::uint64_t offset, void* out, std::uint64_t size) override {
    in_.seekg(static_cast<std::streamoff>(offset));
    in_.read(static_cast<char*>(out), static_cast<std::streamsize>(size));
    return in_ && static_cast<std::uint64_t>(in_.gcount()) == size;
  }

 private:
  std::ifstream in_;
  std::uint64_t size_ = 0;
};

class MemorySource final : public ByteSource {
 public:
  explicit MemorySource(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::uint64_t size() const override { return bytes_.size(); }
  bool read_at(std::uint64_t offset, void* out, std::uint64_t size) override {
    if (offset > bytes_.size() || size > bytes_.size() - offset) return false;
    std::memcpy(out, bytes_.data() + offset, static_cast<std::size_t>(size));
    return true;
  }

 private:
  std::span<const std::uint8_t> bytes_;
};

class CheckpointReader {
 public:
  // `name` is the file (or the caller's name for the buffer) that error messages show.
  CheckpointReader(ByteSource& source, const std::string& name)
      : name_(name), source_(source), file_size_(source.size()) {}

  // Reads the length field and the JSON header, checking the length before allocating.
  std::vector<Entry> read_header() {
    if (file_size_ < kLengthFieldBytes)
      throw fail("file is " + std::to_string(file_size_) + " bytes, too short for the 8-byte header length");
    unsigned char length[kLengthFieldBytes];
    read_exact(0, length, sizeof length);
    std::uint64_t n = 0;
    for (std::size_t i = 0; i < kLengthFieldBytes; ++i) n |= std::uint64_t{length[i]} << (8 * i);
    if (n > kMaxHeaderBytes)
      throw fail("header length " + std::to_string(n) + " exceeds the limit of " + std::to_string(kMaxHeaderBytes) +
                 " bytes (not a safetensors file?)");
    if (n > file_size_ - kLengthFieldBytes)
      throw fail("header length " + std::to_string(n) + " exceeds the " + std::to_string(file_size_ - kLengthFieldBytes) +
                 " bytes that follow the length field (truncated or not a safetensors file)");
    header_bytes_ = n;
    std::string text(n, '\0');
    read_exact(kLengthFieldBytes, text.data(), n);
    return HeaderParser(name_).parse(text);
  }

  std::uint64_t data_size() const { return file_size_ - kLengthFieldBytes - header_bytes_; }

  // Reads `entry`'s bytes from the data buffer into `out` (whose byte size the caller checked).
  void read_tensor(const Entry& entry, Tensor& out) {
    read_exact(kLengthFieldBytes + header_bytes_ + entry.begin, out.raw_data(), entry.end - entry.begin);
  }

  std::runtime_error fail(const std::string& problem) const { return checkpoint_error(name_, problem); }

 private:
  void read_exact(std::uint64_t offset, void* out, std::uint64_t size) {
    if (size == 0) return;
    if (!source_.read_at(offset, out, size))
      throw fail("could not read " + std::to_string(size) + " bytes at byte offset " + std::to_string(offset));
  }

  std::string name_;
  ByteSource& source_;
  std::uint64_t file_size_ = 0;
  std::uint64_t header_bytes_ = 0;
};

// Every module name is in the file and every file name is in the module.
void check_names(const CheckpointReader& reader, const std::vector<Entry>& entries,
                 const std::map<std::string, Tensor>& params) {
  std::vector<std::string> missing, unexpected;
  std::map<std::string, int> in_file;
  for (const auto& e : entries) in_file[e.name] = 1;
  for (const auto& [name, t] : params)
    if (!in_file.count(name)) missing.push_back(name);
  for (const auto& e : entries)
    if (!params.count(e.name)) unexpected.push_back(e.name);
  if (missing.empty() && unexpected.empty()) return;
  // A file may hold millions of names: the message lists the first few.
  auto join = [](const std::vector<std::string>& names) {
    constexpr std::size_t kListed = 8;
    std::string s;
    for (std::size_t i = 0; i < std::min(names.size(), kListed); ++i) s += (i ? ", '" : "'") + shown(names[i]) + "'";
    if (names.size() > kListed) s += " and " + std::to_string(names.size() - kListed) + " more";
    return s;
  };
  std::string problem = "names do not match the module:";
  if (!missing.empty()) problem += " missing " + join(missing) + ";";
  if (!unexpected.empty()) problem += " unexpected " + join(unexpected) + ";";
  problem.pop_back();
  throw reader.fail(problem);
}

// dtype and shape as the parameter's; offsets span exactly dtype*shape bytes inside the buffer.
void check_entry(const CheckpointReader& reader, const Entry& e, const Tensor& param) {
  const std::string where = "tensor '" + shown(e.name) + "'";
  const auto dtype = parse_dtype(e.dtype);
  if (!dtype) throw reader.fail(where + " has unsupported dtype \"" + shown(e.dtype) + "\" (expected F32, F64 or I64)");
  if (*dtype != param.dtype())
    throw reader.fail(where + " has dtype " + e.dtype + " but the module's parameter is " + dtype_name(param.dtype()) +
                      " (" + safetensors_dtype(param.dtype()) + ")");
  std::vector<std::uint64_t> expected(param.shape().begin(), param.shape().end());
  if (e.shape != expected)
    throw reader.fail(where + " has shape " + shape_text(e.shape) + " but the module's parameter has shape " +
                      shape_str(param.shape()));
  const std::string span = "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  if (e.end < e.begin) throw reader.fail(where + ": " + span + " end before begin");
  if (e.end - e.begin != byte_size(param))
    throw reader.fail(where + ": " + span + " span " + std::to_string(e.end - e.begin) + " bytes but " + e.dtype + " " +
                      shape_text(e.shape) + " needs " + std::to_string(byte_size(param)));
  if (e.end > reader.data_size())
    throw reader.fail(where + ": " + span + " reach past the end of the " + std::to_string(reader.data_size()) +
                      "-byte data buffer (file truncated?)");
}

// The tensors tile the data buffer: no overlap, no gap, nothing left over.
void check_coverage(const CheckpointReader& reader, std::vector<const Entry*> order) {
  std::sort(order.begin(), order.end(),
            [](const Entry* a, const Entry* b) { return std::pair(a->begin, a->end) < std::pair(b->begin, b->end); });
  std::uint64_t expected = 0;
  const Entry* previous = nullptr;
  for (const Entry* e : order) {
    if (e->begin < expected)
      throw reader.fail("tensors '" + shown(previous->name) + "' and '" + shown(e->name) + "' overlap at byte offset " +
                        std::to_string(e->begin) + " of the data buffer");
    if (e->begin > expected)
      throw reader.fail("gap in the data buffer: bytes " + std::to_string(expected) + " to " + std::to_string(e->begin) +
                        " belong to no tensor");
    expected = e->end;
    previous = e;
  }
  if (expected != reader.data_size())
    throw reader.fail("the tensors cover " + std::to_string(expected) + " bytes but the data buffer has " +
                      std::to_string(reader.data_size()));
}

}  // namespace

void save(const nn::Module& module, const std::string& path) {
  const auto tensors = checkpoint_tensors(module);
  const std::string header = build_header(tensors, path);
  const std::string temp = temporary_name(path);
  Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (fd.get() < 0)
    throw checkpoint_error(path, "cannot create temporary file '" + temp + "': " + std::strerror(errno));
  try {
    write_checkpoint_file(fd.get(), header, tensors, path);
    if (::fsync(fd.get()) != 0) throw checkpoint_error(path, std::string("fsync failed: ") + std::strerror(errno));
    if (fd.close() != 0) throw checkpoint_error(path, std::string("close failed: ") + std::strerror(errno));
    if (::rename(temp.c_str(), path.c_str()) != 0)
      throw checkpoint_error(path, "cannot rename '" + temp + "' over it: " + std::strerror(errno));
  } catch (...) {
    fd.close();
    ::unlink(temp.c_str());
    throw;
  }
  sync_directory_of(path);
}

namespace {

void load_from(ByteSource& source, nn::Module& module, const std::string& name) {
  CheckpointReader reader(source, name);
  const std::vector<Entry> entries = reader.read_header();

  std::map<std::string, Tensor> params;
  for (auto& [param_name, t] : checkpoint_tensors(module)) params.emplace(param_name, t);
  check_names(reader, entries, params);
  std::vector<const Entry*> order;
  for (const auto& e : entries) {
    check_entry(reader, e, params.at(e.name));
    order.push_back(&e);
  }
  check_coverage(reader, order);

  // Read everything before touching the module, so a read error leaves it as it was.
  std::vector<std::pair<Tensor, Tensor>> staged;  // (parameter, loaded values)
  for (const auto& e : entries) {
    Tensor param = params.at(e.name);
    Tensor values = Tensor::empty(param.shape(), param.dtype());
    reader.read_tensor(e, values);
    staged.emplace_back(param, values);
  }
  NoGradGuard no_grad;  // a load replaces values; it is no differentiable op
  for (auto& [param, values] : staged) param.copy_(values);  // bumps each parameter's version
}

}  // namespace

void load(nn::Module& module, const std::string& path) {
  FileSource file(path);
  load_from(file, module, path);
}

void load_from_memory(nn::Module& module, std::span<const std::uint8_t> bytes, const std::string& name) {
  MemorySource memory(bytes);
  load_from(memory, module, name);
}

}  // namespace tapegrad
