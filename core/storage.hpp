// Storage: the bytes a tensor and its views share, from a per-thread allocator that reuses large buffers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tapegrad {

// Bytes shared by a tensor and its views (reshape, detach): 64-byte aligned on the heap, 16-byte
// aligned when inline (kernels load unaligned). `version` counts in-place writes so autograd can
// tell when a value it saved was changed behind its back.
struct Storage {
  explicit Storage(std::size_t nbytes);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;
  void* data = nullptr;
  std::size_t nbytes = 0;
  std::uint64_t version = 0;

 private:
  // Small tensors (scalars, tiny vectors) live inside the Storage object: no separate allocation,
  // and no flood of small aligned allocations fragmenting the heap.
  static constexpr std::size_t kInlineBytes = 64;
  alignas(16) std::byte inline_bytes_[kInlineBytes];  // 16, not 64: keeps Storage an ordinary allocation
};

}  // namespace tapegrad
