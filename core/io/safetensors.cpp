#include "safetensors.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "atomic_file.hpp"

namespace tapegrad::io {
namespace {

// Tensor bytes are written and read as they lie in memory; the format is little-endian.
static_assert(std::endian::native == std::endian::little, "safetensors files assume a little-endian host");

constexpr std::size_t kLengthFieldBytes = 8;

std::string error_prefix(const std::string& name) { return "checkpoint '" + name + "': "; }

std::uint64_t byte_size(const Tensor& t) { return static_cast<std::uint64_t>(t.numel()) * element_size(t.dtype()); }

// ---------------------------------------------------------------------------------------------
// Writing

// The JSON header, space-padded so the data starts 8-byte aligned in the file. Written piece by
// piece (each piece dumped as nlohmann would dump the whole object) so the time stays linear in the
// number of tensors: nlohmann's ordered object looks each key up linearly.
std::string build_header(const NamedTensors& tensors, const SafetensorsMetadata& metadata, const std::string& name) {
  const std::string prefix = error_prefix(name);
  std::set<std::string> names;
  std::string text = "{";
  try {
    if (!metadata.empty())
      text += nlohmann::json(kSafetensorsMetadataKey).dump() + ":" + nlohmann::ordered_json(metadata).dump();
    std::uint64_t offset = 0;
    for (const auto& [tensor_name, t] : tensors) {
      if (!t.defined()) throw std::invalid_argument(prefix + "tensor '" + shown(tensor_name) + "' is undefined");
      if (tensor_name == kSafetensorsMetadataKey)
        throw std::invalid_argument(prefix + "a tensor may not be named " + kSafetensorsMetadataKey);
      if (!names.insert(tensor_name).second)
        throw std::invalid_argument(prefix + "tensor name '" + shown(tensor_name) + "' appears twice");
      const std::uint64_t end = offset + byte_size(t);
      const nlohmann::ordered_json entry = {
          {"dtype", safetensors_dtype(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {offset, end}}};
      if (text.size() > 1) text += ',';
      text += nlohmann::json(tensor_name).dump() + ":" + entry.dump();
      offset = end;
    }
  } catch (const nlohmann::json::type_error& e) {  // JSON strings are UTF-8
    throw std::invalid_argument(prefix + "a tensor name or metadata string is not valid UTF-8 (" + e.what() + ")");
  }
  text += "}";
  text.append((8 - text.size() % 8) % 8, ' ');
  if (text.size() > kMaxSafetensorsHeaderBytes)
    throw std::invalid_argument(prefix + "the header would be " + std::to_string(text.size()) +
                                " bytes, over the limit of " + std::to_string(kMaxSafetensorsHeaderBytes));
  return text;
}

// The whole file, piece by piece, through `write(data, size)`.
template <class Write>
void emit(const std::string& header, const NamedTensors& tensors, Write&& write) {
  unsigned char length[kLengthFieldBytes];
  for (std::size_t i = 0; i < kLengthFieldBytes; ++i) length[i] = static_cast<unsigned char>(header.size() >> (8 * i));
  write(length, sizeof length);
  write(header.data(), header.size());
  for (const auto& [name, t] : tensors) write(t.raw_data(), byte_size(t));
}

// ---------------------------------------------------------------------------------------------
// Reading

std::unique_ptr<ByteSource> open_file(const std::string& path) {
  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) throw checkpoint_error(path, std::string("cannot open for reading: ") + std::strerror(errno));
  // The size as the file system reports it by seeking (fseeko would take st_size, 0 for /proc files).
  // A directory opens on Linux but has no size.
  const off_t size = ::lseek(::fileno(file.get()), 0, SEEK_END);
  if (size < 0 || std::filesystem::is_directory(path)) throw checkpoint_error(path, "not a readable regular file");
  std::rewind(file.get());
  return raw_source(std::move(file), static_cast<std::uint64_t>(size), error_prefix(path));
}

std::unique_ptr<ByteSource> open_buffer(std::span<const std::uint8_t> bytes, const std::string& name) {
  FilePtr file = open_memory(bytes);
  if (!file) throw checkpoint_error(name, std::string("cannot open the bytes in memory: ") + std::strerror(errno));
  return raw_source(std::move(file), bytes.size(), error_prefix(name));
}

// The tensors tile the data buffer: no overlap, no gap, nothing left over. Sorts `order` by offsets.
void check_coverage(const SafetensorsReader& reader, std::vector<const SafetensorsEntry*>& order, std::uint64_t data_size) {
  std::sort(order.begin(), order.end(), [](const SafetensorsEntry* a, const SafetensorsEntry* b) {
    return std::pair(a->begin, a->end) < std::pair(b->begin, b->end);
  });
  std::uint64_t expected = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry* e : order) {
    if (e->begin < expected)
      throw reader.error("tensors '" + shown(previous->name) + "' and '" + shown(e->name) + "' overlap at byte offset " +
                         std::to_string(e->begin) + " of the data buffer");
    if (e->begin > expected)
      throw reader.error("gap in the data buffer: bytes " + std::to_string(expected) + " to " +
                         std::to_string(e->begin) + " belong to no tensor");
    expected = e->end;
    previous = e;
  }
  if (expected != data_size)
    throw reader.error("the tensors cover " + std::to_string(expected) + " bytes but the data buffer has " +
                       std::to_string(data_size));
}

}  // namespace

const char* safetensors_dtype(Dtype dtype) {
  switch (dtype) {
    case Dtype::kFloat32: return "F32";
    case Dtype::kFloat64: return "F64";
    case Dtype::kInt64: return "I64";
  }
  detail::throw_invalid_dtype(dtype);
}

std::optional<Dtype> parse_safetensors_dtype(const std::string& name) {
  for (Dtype d : kAllDtypes)  // the inverse of the switch above: a new dtype is read once it is written
    if (name == safetensors_dtype(d)) return d;
  return std::nullopt;
}

void write_safetensors(const std::string& path, const NamedTensors& tensors, const SafetensorsMetadata& metadata) {
  const std::string header = build_header(tensors, metadata, path);  // every check before the file is touched
  AtomicFile file(path, error_prefix(path));
  emit(header, tensors, [&](const void* data, std::uint64_t size) { file.write(data, size); });
  file.commit();
}

std::vector<std::uint8_t> safetensors_bytes(const NamedTensors& tensors, const SafetensorsMetadata& metadata) {
  const std::string header = build_header(tensors, metadata, "<memory>");
  std::vector<std::uint8_t> bytes;
  emit(header, tensors, [&](const void* data, std::uint64_t size) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    bytes.insert(bytes.end(), p, p + size);
  });
  return bytes;
}

SafetensorsReader::SafetensorsReader(const std::string& path) : SafetensorsReader(open_file(path), path) {}

SafetensorsReader::SafetensorsReader(std::span<const std::uint8_t> bytes, std::string name)
    : SafetensorsReader(open_buffer(bytes, name), name) {}

SafetensorsReader::SafetensorsReader(std::unique_ptr<ByteSource> source, std::string name)
    : source_(std::move(source)), name_(std::move(name)) {
  const std::optional<std::uint64_t> size = source_->remaining();
  if (!size) throw error("the data's size is not known in advance (a gzip stream?); safetensors needs it");
  file_size_ = *size;
  if (file_size_ < kLengthFieldBytes)
    throw error("file is " + std::to_string(file_size_) + " bytes, too short for the 8-byte header length");
  unsigned char length[kLengthFieldBytes];
  read_exact(length, sizeof length);
  std::uint64_t n = 0;
  for (std::size_t i = 0; i < kLengthFieldBytes; ++i) n |= std::uint64_t{length[i]} << (8 * i);
  if (n > kMaxSafetensorsHeaderBytes)
    throw error("header length " + std::to_string(n) + " exceeds the limit of " +
                std::to_string(kMaxSafetensorsHeaderBytes) + " bytes (not a safetensors file?)");
  if (n > file_size_ - kLengthFieldBytes)
    throw error("header length " + std::to_string(n) + " exceeds the " + std::to_string(file_size_ - kLengthFieldBytes) +
                " bytes that follow the length field (truncated or not a safetensors file)");
  header_bytes_ = n;
  std::string text(n, '\0');
  read_exact(text.data(), n);
  header_ = parse_safetensors_header(text, name_);
}

Dtype SafetensorsReader::dtype(const SafetensorsEntry& e) const {
  const std::optional<Dtype> dtype = parse_safetensors_dtype(e.dtype);
  if (!dtype)
    throw error("tensor '" + shown(e.name) + "' has unsupported dtype \"" + shown(e.dtype) + "\" (expected F32, F64 or I64)");
  return *dtype;
}

void SafetensorsReader::check_span(const SafetensorsEntry& e) const {
  const std::string where = "tensor '" + shown(e.name) + "'";
  const Dtype type = dtype(e);
  const std::string span = "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
  if (e.end < e.begin) throw error(where + ": " + span + " end before begin");
  // dtype x shape in bytes; a size no tensor can have (as Tensor::empty counts) is refused here.
  std::uint64_t bytes = element_size(type);
  bool empty = false;
  for (const std::uint64_t d : e.shape) {
    if (d == 0) empty = true;
    else if (__builtin_mul_overflow(bytes, d, &bytes) || bytes > std::numeric_limits<std::int64_t>::max())
      throw error(where + " has shape " + shape_text(e.shape) + ": more than 2^63 - 1 bytes of " + e.dtype);
  }
  if (empty) bytes = 0;
  if (e.end - e.begin != bytes)
    throw error(where + ": " + span + " span " + std::to_string(e.end - e.begin) + " bytes but " + e.dtype + " " +
                shape_text(e.shape) + " needs " + std::to_string(bytes));
  if (e.end > data_size())
    throw error(where + ": " + span + " reach past the end of the " + std::to_string(data_size()) +
                "-byte data buffer (file truncated?)");
}

NamedTensors SafetensorsReader::read_tensors() {
  if (position_ != kLengthFieldBytes + header_bytes_) throw error("read_tensors() was already called");
  std::vector<const SafetensorsEntry*> order;
  for (const SafetensorsEntry& e : entries()) {
    check_span(e);
    order.push_back(&e);
  }
  check_coverage(*this, order, data_size());
  // Everything is read before anything is returned; in offset order, which is the file's order.
  std::vector<Tensor> tensors(order.size());
  for (const SafetensorsEntry* e : order) {
    Tensor t = Tensor::empty(Shape(e->shape.begin(), e->shape.end()), dtype(*e));
    read_exact(t.raw_data(), e->end - e->begin);
    tensors[static_cast<std::size_t>(e - entries().data())] = std::move(t);
  }
  NamedTensors out;
  out.reserve(tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) out.emplace_back(entries()[i].name, std::move(tensors[i]));
  return out;
}

std::uint64_t SafetensorsReader::data_size() const { return file_size_ - kLengthFieldBytes - header_bytes_; }

void SafetensorsReader::read_exact(void* out, std::uint64_t size) {
  if (size == 0) return;
  const std::uint64_t offset = position_;
  const std::size_t got = source_->read_fully(static_cast<std::uint8_t*>(out), static_cast<std::size_t>(size));
  position_ += got;
  if (got != size)
    throw error("could not read " + std::to_string(size) + " bytes at byte offset " + std::to_string(offset));
}

SafetensorsContents read_safetensors(const std::string& path) {
  SafetensorsReader reader(path);
  NamedTensors tensors = reader.read_tensors();
  return {std::move(tensors), reader.metadata()};
}

SafetensorsContents read_safetensors(std::span<const std::uint8_t> bytes, const std::string& name) {
  SafetensorsReader reader(bytes, name);
  NamedTensors tensors = reader.read_tensors();
  return {std::move(tensors), reader.metadata()};
}

}  // namespace tapegrad::io
