#include "idx.hpp"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <system_error>

#include "../core/io/byte_source.hpp"

namespace tapegrad::datasets {
namespace {

using io::ByteSource;

constexpr std::size_t kMagicBytes = 4;
constexpr std::uint64_t kFirstPayloadChunk = 1 << 20;  // the gzip buffer starts here and doubles

std::string hex_byte(std::uint8_t b) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02X", b);
  return text;
}

std::string dims_str(const std::vector<std::uint32_t>& dims) {
  std::string s;
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? " x " : "") + std::to_string(dims[i]);
  return s;
}

bool known_dtype(std::uint8_t byte) {
  switch (static_cast<IdxDtype>(byte)) {
    case IdxDtype::kUint8: case IdxDtype::kInt8: case IdxDtype::kInt16:
    case IdxDtype::kInt32: case IdxDtype::kFloat32: case IdxDtype::kFloat64: return true;
  }
  return false;
}

// "IDX file '<path>': " — the prefix of every error about a file.
std::string error_prefix(const std::filesystem::path& path) { return "IDX file '" + path.string() + "': "; }

// Opens `path`, rejecting a missing path, a directory and an empty file with a clear message.
std::unique_ptr<ByteSource> open_idx_file(const std::filesystem::path& path) {
  const std::string prefix = error_prefix(path);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) throw std::runtime_error(prefix + "no such file");
  if (std::filesystem::is_directory(status)) throw std::runtime_error(prefix + "is a directory, expected an IDX file");
  if (!std::filesystem::is_regular_file(status)) throw std::runtime_error(prefix + "is not a regular file");
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) throw std::runtime_error(prefix + "cannot read its size: " + ec.message());
  if (size == 0) throw std::runtime_error(prefix + "the file is empty (0 bytes), expected an IDX header (or gzip data)");
  io::FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) throw std::runtime_error(prefix + "cannot open: " + std::strerror(errno));
  return io::gzip_transparent_source(std::move(file), size, prefix);
}

std::unique_ptr<ByteSource> open_idx_memory(std::span<const std::uint8_t> bytes, const std::string& name) {
  const std::string prefix = error_prefix(name);
  if (bytes.empty()) throw std::runtime_error(prefix + "the file is empty (0 bytes), expected an IDX header (or gzip data)");
  io::FilePtr file = io::open_memory(bytes);
  if (!file) throw std::runtime_error(prefix + "cannot open the bytes in memory: " + std::strerror(errno));
  return io::gzip_transparent_source(std::move(file), bytes.size(), prefix);
}

// Reads the header; `where` says which bytes offsets refer to (the file, or its decompressed data).
struct Header {
  IdxDtype dtype;
  std::vector<std::uint32_t> dims;
  std::uint64_t bytes;  // header size
};

Header read_header(ByteSource& stream, const std::string& prefix, const std::string& where) {
  std::uint8_t magic[kMagicBytes];
  const std::size_t got = stream.read_fully(magic, kMagicBytes);
  if (got == 0) throw std::runtime_error(prefix + "the gzip stream is empty (decompresses to 0 bytes), expected an IDX header");
  if (got < kMagicBytes) {
    throw std::runtime_error(prefix + "truncated at byte offset " + std::to_string(got) + where +
                             ": expected the 4-byte magic number 0x00 0x00 <dtype> <dims>");
  }
  if (magic[0] != 0 || magic[1] != 0) {
    throw std::runtime_error(prefix + "bad magic number: expected 0x00 0x00 <dtype> <dims> at byte offset 0, found " +
                             hex_byte(magic[0]) + " " + hex_byte(magic[1]) + " " + hex_byte(magic[2]) + " " +
                             hex_byte(magic[3]) + " (not an IDX file)");
  }
  if (!known_dtype(magic[2])) {
    throw std::runtime_error(prefix + "unknown dtype byte " + hex_byte(magic[2]) +
                             " at byte offset 2: expected one of 0x08 (ubyte), 0x09 (byte), 0x0B (short), "
                             "0x0C (int), 0x0D (float), 0x0E (double)");
  }
  const int ndims = magic[3];
  if (ndims < 1 || ndims > kIdxMaxDims) {
    throw std::runtime_error(prefix + "number of dimensions " + std::to_string(ndims) +
                             " at byte offset 3 is outside 1.." + std::to_string(kIdxMaxDims));
  }
  Header header{static_cast<IdxDtype>(magic[2]), std::vector<std::uint32_t>(ndims),
                kMagicBytes + 4 * static_cast<std::uint64_t>(ndims)};
  for (int d = 0; d < ndims; ++d) {
    std::uint8_t be[4];
    const std::size_t n = stream.read_fully(be, 4);
    if (n < 4) {
      throw std::runtime_error(prefix + "truncated at byte offset " + std::to_string(kMagicBytes + 4 * d + n) + where +
                               ": the header declares " + std::to_string(ndims) + " dimensions, so it needs " +
                               std::to_string(header.bytes) + " bytes");
    }
    header.dims[d] = (std::uint32_t{be[0]} << 24) | (std::uint32_t{be[1]} << 16) | (std::uint32_t{be[2]} << 8) | be[3];
  }
  return header;
}

// The payload size in bytes, refusing counts that do not fit a tensor (int64) or memory (size_t).
// A zero size makes the payload empty but does not excuse the others: 0 x 2^32-1 x 2^32-1 x 2^32-1
// has no elements, yet its strides (products from the right) would overflow in any tensor built from it.
std::uint64_t payload_bytes(const Header& header, const std::string& prefix) {
  std::uint64_t nonzero_product = idx_element_size(header.dtype);
  bool empty = false;
  const std::uint64_t limit = std::min<std::uint64_t>(std::numeric_limits<std::int64_t>::max(),
                                                      std::numeric_limits<std::size_t>::max());
  for (const std::uint32_t d : header.dims) {
    if (d == 0) {
      empty = true;
    } else if (nonzero_product > limit / d) {
      throw std::runtime_error(prefix + "dimension product overflows: the header declares " + dims_str(header.dims) +
                               " elements of " + std::to_string(idx_element_size(header.dtype)) +
                               " byte(s), more than the 2^63 - 1 bytes a tensor can hold");
    } else {
      nonzero_product *= d;
    }
  }
  return empty ? 0 : nonzero_product;
}

// The payload after the header, whose size is checked before anything that large is allocated.
std::vector<std::uint8_t> read_payload(ByteSource& stream, const Header& header, std::uint64_t size,
                                       const std::string& prefix, const std::string& where) {
  const std::string declared = "the header declares " + dims_str(header.dims) + " " + idx_dtype_name(header.dtype) +
                               " = " + std::to_string(size) + " payload bytes after the " +
                               std::to_string(header.bytes) + "-byte header";
  if (const auto left = stream.remaining()) {  // raw: the file size tells everything up front
    if (*left < size) {
      throw std::runtime_error(prefix + "truncated at byte offset " + std::to_string(header.bytes + *left) + ": " +
                               declared + ", but the file has only " + std::to_string(*left));
    }
    if (*left > size) {
      throw std::runtime_error(prefix + "trailing data: " + declared + " (ending at byte offset " +
                               std::to_string(header.bytes + size) + "), but the file has " +
                               std::to_string(*left - size) + " more bytes");
    }
  }
  // A raw file's size is verified: read it in one go. A gzip stream's is not: grow with the data
  // actually decompressed, never to a declared size up front.
  const bool size_verified = stream.remaining().has_value();
  std::vector<std::uint8_t> bytes;
  std::uint64_t filled = 0;
  while (filled < size) {
    const std::uint64_t step = size_verified ? size : std::min(size - filled, std::max(filled, kFirstPayloadChunk));
    bytes.resize(filled + step);
    const std::size_t got = stream.read_fully(bytes.data() + filled, step);
    filled += got;
    if (got < step) {
      throw std::runtime_error(prefix + "truncated at byte offset " + std::to_string(header.bytes + filled) + where +
                               ": " + declared + ", but the data has only " + std::to_string(filled));
    }
  }
  std::uint8_t extra;
  if (stream.read_fully(&extra, 1) != 0) {
    throw std::runtime_error(prefix + "trailing data: " + declared + " (ending at byte offset " +
                             std::to_string(header.bytes + size) + where + "), but more data follows");
  }
  return bytes;
}

void to_host_order(std::vector<std::uint8_t>& bytes, std::size_t element_size) {
  if (element_size == 1 || std::endian::native == std::endian::big) return;
  for (std::size_t i = 0; i + element_size <= bytes.size(); i += element_size)
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                 bytes.begin() + static_cast<std::ptrdiff_t>(i + element_size));
}

}  // namespace

const char* idx_dtype_name(IdxDtype dtype) {
  switch (dtype) {
    case IdxDtype::kUint8: return "ubyte (0x08)";
    case IdxDtype::kInt8: return "byte (0x09)";
    case IdxDtype::kInt16: return "short (0x0B)";
    case IdxDtype::kInt32: return "int (0x0C)";
    case IdxDtype::kFloat32: return "float (0x0D)";
    case IdxDtype::kFloat64: return "double (0x0E)";
  }
  return "unknown";
}

std::size_t idx_element_size(IdxDtype dtype) {
  switch (dtype) {
    case IdxDtype::kUint8: case IdxDtype::kInt8: return 1;
    case IdxDtype::kInt16: return 2;
    case IdxDtype::kInt32: case IdxDtype::kFloat32: return 4;
    case IdxDtype::kFloat64: return 8;
  }
  return 1;
}

std::int64_t IdxArray::numel() const {
  std::int64_t n = 1;
  for (const auto d : shape) n *= d;
  return n;
}

namespace {

IdxArray read_idx_stream(std::unique_ptr<ByteSource> stream, const std::filesystem::path& path) {
  const std::string prefix = error_prefix(path);
  const std::string where = stream->is_gzip() ? " of the decompressed data" : "";
  const Header header = read_header(*stream, prefix, where);
  const std::uint64_t size = payload_bytes(header, prefix);
  IdxArray array;
  array.dtype = header.dtype;
  array.shape.assign(header.dims.begin(), header.dims.end());
  array.header_bytes = header.bytes;
  array.bytes = read_payload(*stream, header, size, prefix, where);
  to_host_order(array.bytes, idx_element_size(header.dtype));
  return array;
}

}  // namespace

IdxArray read_idx(const std::filesystem::path& path) { return read_idx_stream(open_idx_file(path), path); }

IdxArray read_idx_from_memory(std::span<const std::uint8_t> bytes, const std::string& name) {
  return read_idx_stream(open_idx_memory(bytes, name), name);
}

}  // namespace tapegrad::datasets
