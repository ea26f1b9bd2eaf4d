// The one way tapegrad reads bytes: in order, from a file or a buffer in memory, and when asked
// transparently through gzip. The IDX reader (datasets/) and the safetensors reader (core/io/) use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace tapegrad::io {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to n bytes into dst; fewer only at the end of the data. Throws std::runtime_error,
  // starting with the source's error prefix (which names the file), when the data is corrupt or the
  // file cannot be read.
  virtual std::size_t read(std::uint8_t* dst, std::size_t n) = 0;
  // Bytes left, when known without reading them (raw files and buffers); empty for gzip streams,
  // whose decompressed size is only known once they are fully read.
  virtual std::optional<std::uint64_t> remaining() const = 0;
  virtual bool is_gzip() const = 0;

  // Reads until n bytes arrived or the data ended; returns how many arrived.
  std::size_t read_fully(std::uint8_t* dst, std::size_t n);
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// The `size` bytes of an open file, from its current position. Every error message starts with
// `error_prefix` ("IDX file 'train.idx': ").
std::unique_ptr<ByteSource> raw_source(FilePtr file, std::uint64_t size, std::string error_prefix);

// The same for a file at its start, except that when its first bytes are gzip's magic 0x1f 0x8b
// (told from the content, never from a name) the source yields the decompressed bytes. Concatenated
// gzip members are read one after another; a stream that stops mid-member, or data after the last
// member that is not another member, is an error.
std::unique_ptr<ByteSource> gzip_transparent_source(FilePtr file, std::uint64_t size, std::string error_prefix);

// A read-only FILE over bytes in memory (fmemopen), so a buffer takes exactly the code path of a
// file. The bytes must outlive it. Null, with errno set, when it cannot be opened.
FilePtr open_memory(std::span<const std::uint8_t> bytes);

}  // namespace tapegrad::io
