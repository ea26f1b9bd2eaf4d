#include "idx_fuzz_entry.hpp"

#include <zlib.h>

#include <bit>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../datasets/idx.hpp"

namespace tapegrad::fuzz {
namespace {

namespace ds = tapegrad::datasets;
using Bytes = std::vector<std::uint8_t>;

void require(bool ok, const std::string& what) {
  if (!ok) throw std::logic_error("IDX fuzz invariant broken: " + what);
}

// The parsed array, or nothing when the reader rejected the bytes with a clear error.
std::optional<ds::IdxArray> parse(std::span<const std::uint8_t> bytes) {
  try {
    return ds::read_idx_from_memory(bytes, "<fuzz input>");
  } catch (const std::runtime_error&) {
  } catch (const std::invalid_argument&) {
  } catch (const std::out_of_range&) {
  }
  return std::nullopt;
}

bool is_gzip(std::span<const std::uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

// What any accepted array must satisfy, whatever the bytes were.
void check_consistent(const ds::IdxArray& a) {
  require(!a.shape.empty() && a.shape.size() <= static_cast<std::size_t>(ds::kIdxMaxDims), "number of dimensions");
  require(a.header_bytes == 4 + 4 * a.shape.size(), "header size");
  require(a.numel() >= 0 && a.bytes.size() == static_cast<std::uint64_t>(a.numel()) * ds::idx_element_size(a.dtype),
          "payload size = numel x element size");
}

// A raw file is the header then the payload, each element byte-swapped from big-endian.
void check_matches_raw(const ds::IdxArray& a, std::span<const std::uint8_t> file) {
  require(file.size() == a.header_bytes + a.bytes.size(), "the whole file is header + payload");
  require(file[2] == static_cast<std::uint8_t>(a.dtype) && file[3] == a.shape.size(), "dtype and ndims bytes");
  const std::size_t size = ds::idx_element_size(a.dtype);
  for (std::size_t i = 0; i < a.bytes.size(); ++i) {
    const std::size_t element = i / size, byte = i % size;
    const std::size_t big_endian_byte = std::endian::native == std::endian::little ? size - 1 - byte : byte;
    require(a.bytes[i] == file[a.header_bytes + element * size + big_endian_byte], "payload byte " + std::to_string(i));
  }
}

Bytes gzip_member(std::span<const std::uint8_t> data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::logic_error("zlib deflateInit2 failed");
  Bytes out(deflateBound(&z, static_cast<uLong>(data.size())));
  z.next_in = const_cast<Bytef*>(data.data());
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  require(rc == Z_STREAM_END, "zlib compresses the input in one call");
  return out;
}

}  // namespace

bool fuzz_idx(std::span<const std::uint8_t> bytes) {
  const auto array = parse(bytes);
  if (!array) return false;
  check_consistent(*array);
  if (!is_gzip(bytes)) check_matches_raw(*array, bytes);
  return true;
}

bool fuzz_idx_gzip(std::span<const std::uint8_t> bytes) {
  const std::size_t split = bytes.size() % 2 ? bytes.size() / 2 : bytes.size();
  Bytes gz = gzip_member(bytes.first(split));
  if (split < bytes.size()) {
    const Bytes second = gzip_member(bytes.subspan(split));
    gz.insert(gz.end(), second.begin(), second.end());
  }
  const auto array = parse(gz);
  if (array) check_consistent(*array);
  if (!is_gzip(bytes)) {  // the raw reading of gzip-looking bytes would be a different file
    const auto raw = parse(bytes);
    require(array.has_value() == raw.has_value(), "gzip and raw readings agree on accepting the data");
    if (array) {
      require(array->dtype == raw->dtype && array->shape == raw->shape && array->bytes == raw->bytes,
              "gzip and raw readings give the same array");
    }
  }
  return array.has_value();
}

}  // namespace tapegrad::fuzz
