#include "byte_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace tapegrad::datasets {
namespace {

constexpr std::uint8_t kGzipMagic0 = 0x1f, kGzipMagic1 = 0x8b;
constexpr std::size_t kCompressedChunk = 1 << 16;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& what) {
  throw std::runtime_error(file_error_prefix(path) + what);
}

// Reads up to n bytes, failing on an I/O error (as opposed to the end of the file).
std::size_t read_file(std::FILE* f, const std::filesystem::path& path, std::uint8_t* dst, std::size_t n) {
  const std::size_t got = std::fread(dst, 1, n, f);
  if (got < n && std::ferror(f)) fail(path, std::string("read error: ") + std::strerror(errno));
  return got;
}

class RawStream final : public ByteStream {
 public:
  RawStream(FilePtr file, std::filesystem::path path, std::uint64_t size)
      : file_(std::move(file)), path_(std::move(path)), left_(size) {}
  std::size_t read(std::uint8_t* dst, std::size_t n) override {
    const std::size_t got = read_file(file_.get(), path_, dst, n);
    left_ -= std::min<std::uint64_t>(left_, got);
    return got;
  }
  std::optional<std::uint64_t> remaining() const override { return left_; }
  bool is_gzip() const override { return false; }

 private:
  FilePtr file_;
  std::filesystem::path path_;
  std::uint64_t left_;
};

// Inflates gzip members one after another (gzip allows concatenated members); anything after the
// last member that is not another member is an error, as is a stream that stops mid-member.
class GzipStream final : public ByteStream {
 public:
  GzipStream(FilePtr file, std::filesystem::path path)
      : file_(std::move(file)), path_(std::move(path)), in_(kCompressedChunk) {
    std::memset(&z_, 0, sizeof z_);
    if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) fail(path_, "zlib could not start a gzip decoder");
  }
  ~GzipStream() override { inflateEnd(&z_); }

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
        fail(path_, "corrupt gzip stream near compressed byte offset " + std::to_string(compressed_offset()) +
                        ": zlib says '" + (z_.msg ? z_.msg : "invalid data") + "'");
      } else if (rc == Z_MEM_ERROR) {
        fail(path_, "out of memory while decompressing");
      } else if (rc == Z_BUF_ERROR && input_exhausted) {  // no progress possible and no input left
        fail(path_, "gzip stream ends early: the compressed data stops at byte offset " +
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
    const std::size_t got =
        read_file(file_.get(), path_, in_.data() + z_.avail_in, in_.size() - z_.avail_in);
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
      fail(path_, "unexpected data after the end of the gzip stream at compressed byte offset " +
                      std::to_string(compressed_offset()));
    }
    inflateReset(&z_);
  }

  FilePtr file_;
  std::filesystem::path path_;
  std::vector<std::uint8_t> in_;
  z_stream z_;
  std::uint64_t file_offset_ = 0;  // compressed bytes read from the file so far
  bool finished_ = false;
};

// A gzip or a raw stream over an open file of `size` bytes, told apart by the first two bytes.
std::unique_ptr<ByteStream> stream_over(FilePtr file, const std::filesystem::path& path, std::uint64_t size) {
  std::uint8_t magic[2] = {0, 0};
  const std::size_t got = read_file(file.get(), path, magic, 2);
  std::rewind(file.get());
  if (got == 2 && magic[0] == kGzipMagic0 && magic[1] == kGzipMagic1)
    return std::make_unique<GzipStream>(std::move(file), path);
  return std::make_unique<RawStream>(std::move(file), path, size);
}

}  // namespace

std::string file_error_prefix(const std::filesystem::path& path) {
  return "IDX file '" + path.string() + "': ";
}

std::unique_ptr<ByteStream> open_byte_stream(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) fail(path, "no such file");
  if (std::filesystem::is_directory(status)) fail(path, "is a directory, expected an IDX file");
  if (!std::filesystem::is_regular_file(status)) fail(path, "is not a regular file");
  const std::uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(path, "cannot read its size: " + ec.message());
  if (size == 0) fail(path, "the file is empty (0 bytes), expected an IDX header (or gzip data)");

  FilePtr file(std::fopen(path.c_str(), "rb"));
  if (!file) fail(path, std::string("cannot open: ") + std::strerror(errno));
  return stream_over(std::move(file), path, size);
}

std::unique_ptr<ByteStream> open_memory_byte_stream(std::span<const std::uint8_t> bytes, const std::string& name) {
  if (bytes.empty()) fail(name, "the file is empty (0 bytes), expected an IDX header (or gzip data)");
  // Mode "r" never writes to the buffer, so dropping const is safe.
  FilePtr file(fmemopen(const_cast<std::uint8_t*>(bytes.data()), bytes.size(), "r"));
  if (!file) fail(name, std::string("cannot open the bytes in memory: ") + std::strerror(errno));
  return stream_over(std::move(file), name, bytes.size());
}

}  // namespace tapegrad::datasets
