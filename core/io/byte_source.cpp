#include "byte_source.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace tapegrad::io {

std::size_t ByteSource::read_fully(std::uint8_t* dst, std::size_t n) {
  std::size_t total = 0;
  while (total < n) {
    const std::size_t got = read(dst + total, n - total);
    if (got == 0) break;
    total += got;
  }
  return total;
}

namespace {

constexpr std::uint8_t kGzipMagic0 = 0x1f, kGzipMagic1 = 0x8b;
constexpr std::size_t kCompressedChunk = 1 << 16;

[[noreturn]] void fail(const std::string& prefix, const std::string& what) { throw std::runtime_error(prefix + what); }

// Reads up to n bytes, failing on an I/O error (as opposed to the end of the file).
std::size_t read_file(std::FILE* f, const std::string& prefix, std::uint8_t* dst, std::size_t n) {
  const std::size_t got = std::fread(dst, 1, n, f);
  if (got < n && std::ferror(f)) fail(prefix, std::string("read error: ") + std::strerror(errno));
  return got;
}

class RawSource final : public ByteSource {
 public:
  RawSource(FilePtr file, std::uint64_t size, std::string prefix)
      : file_(std::move(file)), prefix_(std::move(prefix)), left_(size) {}
  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    const std::size_t got = read_file(file_.get(), prefix_, dst, n);
    left_ -= std::min<std::uint64_t>(left_, got);
    return got;
  }
  std::optional<std::uint64_t> remaining() const override { return left_; }
  bool is_gzip() const override { return false; }

 private:
  FilePtr file_;
  std::string prefix_;
  std::uint64_t left_;
};

class GzipSource final : public ByteSource {
 public:
  GzipSource(FilePtr file, std::string prefix)
      : file_(std::move(file)), prefix_(std::move(prefix)), in_(kCompressedChunk) {
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail(prefix_, "zlib could not start a gzip decoder");
  }
  ~GzipSource() override { inflateEnd(&z_); }

  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    std::size_t produced = 0;
    while (produced < n && !finished_) {
      const bool input_exhausted = z_.avail_in == 0 && !refill();
      z_.next_out = dst + produced;
      z_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - produced, 1u << 30));
      const uInt before = z_.avail_out;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      produced += before - z_.avail_out;
      if (rc == Z_STREAM_END) {
        end_of_member();
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT) {
        fail(prefix_, "corrupt gzip stream near compressed byte offset " + std::to_string(compressed_offset()) +
                          ": zlib says '" + (z_.msg ? z_.msg : "invalid data") + "'");
      } else if (rc == Z_MEM_ERROR) {
        fail(prefix_, "out of memory while decompressing");
      } else if (rc == Z_BUF_ERROR && input_exhausted) {  // no progress possible and no input left
        fail(prefix_, "gzip stream ends early: the compressed data stops at byte offset " +
                          std::to_string(file_offset_) + " before the end of the gzip stream (truncated .gz file?)");
      }
    }
    return produced;
  }
  std::optional<std::uint64_t> remaining() const override { return std::nullopt; }
  bool is_gzip() const override { return true; }

 private:
  std::uint64_t compressed_offset() const { return file_offset_ - z_.avail_in; }

  // Moves the unread input to the front and reads more; false when nothing is left.
  bool refill() {
    if (z_.avail_in > 0) std::memmove(in_.data(), z_.next_in, z_.avail_in);
    const std::size_t got = read_file(file_.get(), prefix_, in_.data() + z_.avail_in, in_.size() - z_.avail_in);
    file_offset_ += got;
    z_.next_in = in_.data();
    z_.avail_in += static_cast<uInt>(got);
    return got > 0;
  }

  // After a member: the data ends, or another gzip member follows, or there is stray data.
  void end_of_member() {
    if (z_.avail_in < 2) refill();
    if (z_.avail_in == 0) {
      finished_ = true;
      return;
    }
    if (z_.avail_in < 2 || z_.next_in[0] != kGzipMagic0 || z_.next_in[1] != kGzipMagic1) {
      fail(prefix_, "unexpected data after the end of the gzip stream at compressed byte offset " +
                        std::to_string(compressed_offset()));
    }
    inflateReset(&z_);
  }

  FilePtr file_;
  std::string prefix_;
  std::vector<std::uint8_t> in_;
  z_stream z_;
  std::uint64_t file_offset_ = 0;  // compressed bytes read from the file so far
  bool finished_ = false;
};

}  // namespace

std::unique_ptr<ByteSource> raw_source(FilePtr file, std::uint64_t size, std::string error_prefix) {
  return std::make_unique<RawSource>(std::move(file), size, std::move(error_prefix));
}

std::unique_ptr<ByteSource> gzip_transparent_source(FilePtr file, std::uint64_t size, std::string error_prefix) {
  std::uint8_t magic[2] = {0, 0};
  const std::size_t got = read_file(file.get(), error_prefix, magic, 2);
  std::rewind(file.get());
  if (got == 2 && magic[0] == kGzipMagic0 && magic[1] == kGzipMagic1)
    return std::make_unique<GzipSource>(std::move(file), std::move(error_prefix));
  return raw_source(std::move(file), size, std::move(error_prefix));
}

FilePtr open_memory(std::span<const std::uint8_t> bytes) {
  // fmemopen wants a buffer even for no bytes; mode "r" never writes to it, so dropping const is safe.
  static std::uint8_t empty = 0;
  auto* data = bytes.empty() ? &empty : const_cast<std::uint8_t*>(bytes.data());
  return FilePtr(fmemopen(data, bytes.size(), "r"));
}

}  // namespace tapegrad::io
