// Reading a file's bytes in order, transparently through gzip when the file starts with gzip's
// magic 0x1f 0x8b (detected from the content, never from the name). Used by the IDX reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace tapegrad::datasets {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to n bytes into dst; fewer only at the end of the data. Throws std::runtime_error
  // (naming the file and the byte offset) when the data is corrupt or the file cannot be read.
  virtual std::size_t read(std::uint8_t* dst, std::size_t n) = 0;
  // Bytes left, when known without reading them (raw files); empty for gzip streams, whose
  // decompressed size is only known once they are fully read.
  virtual std::optional<std::uint64_t> remaining() const = 0;
  virtual bool is_gzip() const = 0;
};

// Opens `path`, rejecting a missing path, a directory and an empty file with a clear message.
std::unique_ptr<ByteStream> open_byte_stream(const std::filesystem::path& path);

// The same over bytes in memory, which must outlive the stream; `name` stands for the path in messages.
// The bytes are read through fmemopen, so they take exactly the code path of a file.
std::unique_ptr<ByteStream> open_memory_byte_stream(std::span<const std::uint8_t> bytes, const std::string& name);

// "IDX file '<path>': " — the prefix of every error about a file's content.
std::string file_error_prefix(const std::filesystem::path& path);

}  // namespace tapegrad::datasets
