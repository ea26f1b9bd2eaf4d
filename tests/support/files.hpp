// Files for the tests that read and write them: a temporary folder, whole-file reads and writes,
// and file contents built byte by byte (IDX arrays, gzip with stored blocks so a test controls every
// byte of a .gz file, safetensors length fields and headers).
#pragma once

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <tapegrad/datasets/idx.hpp>
#include <tapegrad/datasets/mnist.hpp>

#include "helpers.hpp"

namespace support {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// A fresh folder under the system temp dir, removed with everything in it at scope exit (also when a
// test took its permissions away).
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("tapegrad_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }
  // The names of the entries directly inside, in directory order.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

// The whole file as bytes in a string ("" when it cannot be read).
inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Writes `bytes` as the whole file.
inline void write_file(const fs::path& path, std::string_view bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline void write_file(const fs::path& path, const Bytes& bytes) {
  write_file(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// ---- IDX and gzip ----

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

// A 2 x 3 x 4 ubyte array: 16 header bytes + 24 payload bytes = 40.
inline const Bytes kGoodIdx = idx_bytes(0x08, {2, 3, 4}, counting_bytes(24));

// What every IDX reader error starts with.
inline std::string idx_prefix(const fs::path& path) { return "IDX file '" + path.string() + "': "; }

inline std::string idx_error(const fs::path& path) {
  return runtime_error_of([&] { tg::datasets::read_idx(path); });
}

// Writes an MNIST-format pair of files (raw or gzip), `prefix` "train" or "t10k", into `dir`.
inline void write_mnist(const fs::path& dir, const std::string& prefix, const Bytes& images, const Bytes& labels,
                        bool gzip) {
  const std::string suffix = gzip ? ".gz" : "";
  write_file(dir / (prefix + "-images-idx3-ubyte" + suffix), gzip ? gzip_stored(images) : images);
  write_file(dir / (prefix + "-labels-idx1-ubyte" + suffix), gzip ? gzip_stored(labels) : labels);
}

inline std::string mnist_error(const fs::path& root, tg::datasets::MNIST::Mode mode = tg::datasets::MNIST::Mode::kTrain) {
  return runtime_error_of([&] { tg::datasets::MNIST(root, mode); });
}

// ---- safetensors ----

// The 8-byte little-endian header length that opens a safetensors file.
inline std::string length_field(std::uint64_t n) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[i] = static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

inline std::uint64_t read_length_field(const std::string& bytes) {
  std::uint64_t n = 0;
  for (int i = 0; i < 8; ++i) n |= std::uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  return n;
}

// A file in the format: length field, header text, then `data_bytes` bytes of data.
inline std::string craft(const std::string& header, std::size_t data_bytes) {
  return length_field(header.size()) + header + std::string(data_bytes, '\x01');
}

}  // namespace support
