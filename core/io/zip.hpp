// Zip archives as torch.save writes them (PyTorch >= 1.6 .pt files): reading the entries of an
// archive, stored or deflated, with zip64; and writing one, stored. Nothing else of the zip format:
// encrypted entries, other compression methods and archives split over several disks are refused.
// Every size and offset read from the file is checked against the file's size before it is used,
// and every entry's CRC-32 against its bytes. The archive is read by random access (the central
// directory at its end lists the entries), from a file or from bytes in memory.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace tapegrad::io {

struct ZipEntry {
  std::string name;
  std::uint16_t method = 0;          // 0 stored, 8 deflated
  std::uint32_t crc32 = 0;
  std::uint64_t compressed_size = 0, size = 0;
  std::uint64_t header_offset = 0;   // of its local header
  std::uint64_t data_offset = 0;     // of its (compressed) bytes, after the local header
};

// Whether `prefix` (the first bytes of a file) starts like a zip archive: a local header or, for an
// empty archive, the end record.
bool looks_like_zip(std::span<const std::uint8_t> prefix);

class ZipReader {
 public:
  // Reads and checks the directory: the end record (zip64 too), every central header (a deflated
  // entry's size against deflate's 1032:1) and every local header, that no name appears twice, that each entry's bytes lie inside the file before the central directory and that
  // no two entries share bytes. Errors are std::runtime_error "checkpoint '<name>': <problem>",
  // naming the byte offset of the problem.
  explicit ZipReader(const std::string& path);
  ZipReader(std::span<const std::uint8_t> bytes, std::string name);  // the bytes must outlive the reader
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;  // null when absent
  // The entry's bytes, inflated when deflated, their CRC-32 checked. A deflated entry must inflate to
  // exactly its declared size, which the constructor has checked against what deflate can reach from
  // its compressed size (1032 to 1): a zip bomb is refused before anything is allocated for it.
  std::vector<std::uint8_t> read(const ZipEntry& entry) const;

  const std::string& name() const { return name_; }
  std::uint64_t file_size() const { return size_; }
  std::runtime_error error(const std::string& problem) const;

 private:
  void read_at(std::uint64_t offset, void* dst, std::uint64_t n) const;  // all n bytes or an error
  void read_directory();

  std::string name_;
  int fd_ = -1;                                // a file, or
  std::span<const std::uint8_t> bytes_;        // bytes in memory
  std::uint64_t size_ = 0;
  std::vector<ZipEntry> entries_;
  std::unordered_map<std::string, std::size_t> index_;  // name -> entry
};

// Builds a zip archive of stored entries through `write(data, size)`, in order: add() each entry,
// then finish(). Each entry's data starts 64-byte aligned in the archive (as torch.save aligns
// them, so a reader may map them); zip64 records are written when a size or offset needs them.
class ZipWriter {
 public:
  using Write = void (*)(void* context, const void* data, std::uint64_t size);
  ZipWriter(Write write, void* context) : write_(write), context_(context) {}
  void add(const std::string& name, std::span<const std::uint8_t> data);
  void finish();

 private:
  void put(const std::vector<std::uint8_t>& bytes);
  Write write_;
  void* context_;
  std::uint64_t offset_ = 0;
  std::vector<ZipEntry> written_;
};

}  // namespace tapegrad::io
