// IDX files (the format of MNIST and Fashion-MNIST), raw or gzip-compressed.
//
// Layout: magic 0x00 0x00 <dtype byte> <number of dimensions>, then one big-endian uint32 size per
// dimension, then the payload: the elements in row-major order, big-endian.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace tapegrad::datasets {

// The element types the IDX format defines, by their dtype byte.
enum class IdxDtype : std::uint8_t {
  kUint8 = 0x08,
  kInt8 = 0x09,
  kInt16 = 0x0B,
  kInt32 = 0x0C,
  kFloat32 = 0x0D,
  kFloat64 = 0x0E,
};

const char* idx_dtype_name(IdxDtype dtype);  // "ubyte (0x08)", ...
std::size_t idx_element_size(IdxDtype dtype);

// Largest number of dimensions accepted; real IDX files have 1 (labels) to 4.
inline constexpr int kIdxMaxDims = 16;

struct IdxArray {
  IdxDtype dtype = IdxDtype::kUint8;
  std::vector<std::int64_t> shape;
  std::vector<std::uint8_t> bytes;  // the payload, each element already in host byte order
  std::uint64_t header_bytes = 0;   // where the payload starts in the (decompressed) file
  std::int64_t numel() const;
};

// Reads and validates a whole IDX file. Gzip is recognised by its magic bytes. The header is checked
// (magic, dtype byte, 1..kIdxMaxDims dimensions, no overflow in the product of the non-zero sizes
// times the element size, so no tensor built from the shape can overflow either) and the payload
// size is checked against it before the payload is allocated: exactly for raw files, and for gzip
// files by growing the buffer only as decompressed data arrives. Errors are std::runtime_error
// naming the file, what was expected, what was found, and the byte offset.
IdxArray read_idx(const std::filesystem::path& path);

// The same for a file's bytes already in memory (raw or gzip); `name` stands for the path in messages.
IdxArray read_idx_from_memory(std::span<const std::uint8_t> bytes, const std::string& name = "<memory>");

}  // namespace tapegrad::datasets
