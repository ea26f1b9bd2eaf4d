// The safetensors format (https://github.com/huggingface/safetensors), as PyTorch users exchange
// weights:
//   8-byte little-endian header length N | N bytes of JSON | raw little-endian tensor data
// The JSON maps each tensor's name to {"dtype": "F32"|"F64"|"I64", "shape": [...], "data_offsets":
// [begin, end]} (offsets into the data, tensors packed without gaps, in the order given), plus an
// optional "__metadata__" object of strings. Named tensors and string metadata in, the same out:
// what the tensors mean (a module's parameters, an optimizer's state) is the caller's business.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "../tensor.hpp"
#include "byte_source.hpp"
#include "safetensors_header.hpp"

namespace tapegrad::io {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;
using SafetensorsMetadata = std::map<std::string, std::string>;

// Same bound as the reference (Rust) safetensors reader: a larger header is refused before anything
// is allocated for it. It bounds the metadata too; the writer refuses to exceed it.
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

const char* safetensors_dtype(Dtype dtype);                          // kFloat32 -> "F32"
std::optional<Dtype> parse_safetensors_dtype(const std::string& name);  // "F32" -> kFloat32; others: none

// Writes `tensors` (in this order) and `metadata` to `path` atomically (see atomic_file.hpp).
// Undefined tensors, a name given twice or named "__metadata__", strings that are not UTF-8 (JSON
// cannot hold them) and a header over the size limit are std::invalid_argument; failures of the
// file system are std::runtime_error naming the file and the cause. The JSON header is space-padded
// so the data starts 8-byte aligned; "__metadata__" comes first and is left out when empty.
void write_safetensors(const std::string& path, const NamedTensors& tensors, const SafetensorsMetadata& metadata = {});
// The same file's bytes, in memory.
std::vector<std::uint8_t> safetensors_bytes(const NamedTensors& tensors, const SafetensorsMetadata& metadata = {});

// Reading, step by step, for callers that check the entries against what they expect before the
// tensors are read (nn/checkpoint.cpp does). Errors are std::runtime_error "checkpoint '<name>':
// <problem>". Construction reads the length field and the header (checking the length against the
// limit and the file size before allocating).
class SafetensorsReader {
 public:
  explicit SafetensorsReader(const std::string& path);                              // a file
  SafetensorsReader(std::span<const std::uint8_t> bytes, std::string name);         // a buffer
  SafetensorsReader(std::unique_ptr<ByteSource> source, std::string name);           // its size must be known

  const std::vector<SafetensorsEntry>& entries() const { return header_.entries; }  // header order
  const SafetensorsMetadata& metadata() const { return header_.metadata; }

  // The entry's dtype; an error when it is not one tapegrad has (F32, F64, I64).
  Dtype dtype(const SafetensorsEntry& entry) const;
  // An error unless the entry's data_offsets span exactly dtype x shape bytes inside the data buffer.
  void check_span(const SafetensorsEntry& entry) const;
  // Checks every entry (dtype, check_span) and that the tensors tile the data buffer (no overlap, no
  // gap, nothing left over), then reads them all, in header order. All or nothing: on any error no
  // tensor is returned. Call once.
  NamedTensors read_tensors();

  std::runtime_error error(const std::string& problem) const { return checkpoint_error(name_, problem); }

 private:
  void read_exact(void* out, std::uint64_t size);
  std::uint64_t data_size() const;  // the bytes after the header

  std::unique_ptr<ByteSource> source_;
  std::string name_;
  std::uint64_t file_size_ = 0, header_bytes_ = 0, position_ = 0;
  SafetensorsHeader header_;
};

struct SafetensorsContents {
  NamedTensors tensors;  // in header order
  SafetensorsMetadata metadata;
};

// Reads and validates a whole file (or buffer, named `name` in errors) into new tensors.
SafetensorsContents read_safetensors(const std::string& path);
SafetensorsContents read_safetensors(std::span<const std::uint8_t> bytes, const std::string& name = "<memory>");

}  // namespace tapegrad::io
