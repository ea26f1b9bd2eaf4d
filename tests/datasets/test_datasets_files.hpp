// Helpers for the datasets tests: a temporary folder, IDX bytes built by hand, and gzip written
// with stored (uncompressed) deflate blocks so the tests control every byte of a .gz file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

namespace test_datasets {

using Bytes = std::vector<std::uint8_t>;

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() / ("tapegrad_datasets_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const Bytes& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

inline Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void put_be32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

// Magic 0x00 0x00 <dtype> <ndims>, big-endian dims, then the payload as given.
inline Bytes idx_bytes(std::uint8_t dtype, const std::vector<std::uint32_t>& dims, const Bytes& payload) {
  Bytes out = {0x00, 0x00, dtype, static_cast<std::uint8_t>(dims.size())};
  for (const auto d : dims) put_be32(out, d);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// 0, 1, 2, ... (mod 256): a payload whose every byte is distinguishable.
inline Bytes counting_bytes(std::size_t n) {
  Bytes out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(i);
  return out;
}

inline std::uint32_t crc32(const Bytes& data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const std::uint8_t byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// A complete gzip member (RFC 1952) holding `data` in stored deflate blocks (RFC 1951, BTYPE 00):
// 10-byte header, per block 1 byte BFINAL/BTYPE + LEN + NLEN (little-endian) + data, then CRC32 and
// the size. The first block header is at byte 10.
inline Bytes gzip_stored(const Bytes& data) {
  Bytes out = {0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff};
  auto put_le16 = [&](std::uint32_t v) { out.push_back(v & 0xff); out.push_back((v >> 8) & 0xff); };
  std::size_t pos = 0;
  do {
    const std::size_t len = std::min<std::size_t>(data.size() - pos, 65535);
    const bool last = pos + len == data.size();
    out.push_back(last ? 0x01 : 0x00);
    put_le16(static_cast<std::uint32_t>(len));
    put_le16(static_cast<std::uint32_t>(~len & 0xffff));
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos),
               data.begin() + static_cast<std::ptrdiff_t>(pos + len));
    pos += len;
  } while (pos < data.size());
  const std::uint32_t crc = crc32(data), size = static_cast<std::uint32_t>(data.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(crc >> (8 * i)));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(size >> (8 * i)));
  return out;
}

// The message of the std::runtime_error `f` throws; "(no exception)" when it returns normally.
// Any other exception type (std::bad_alloc, ...) escapes and fails the test.
template <class F> std::string runtime_error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "(no exception)";
}

}  // namespace test_datasets
