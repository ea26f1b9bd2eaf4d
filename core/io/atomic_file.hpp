// Replacing a file atomically: readers see the old content or the complete new one, never a mix,
// even when the process dies or the disk fills up midway.
#pragma once

#include <cstdint>
#include <string>

namespace tapegrad::io {

// The bytes written go to a new temporary file next to `path` (same directory, so the final rename
// stays within one file system). commit() flushes it to disk and renames it over `path`. Until then,
// and when anything fails, `path` keeps its previous content; the destructor removes the temporary
// file unless it was committed. Errors are std::runtime_error starting with `error_prefix` (which
// names `path`) and giving the system's reason.
class AtomicFile {
 public:
  AtomicFile(std::string path, std::string error_prefix);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::uint64_t size);  // all of it, retrying short writes
  void commit();

 private:
  std::string path_, temp_, prefix_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace tapegrad::io
