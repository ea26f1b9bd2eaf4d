// The per-thread buffer allocator behind Storage: large buffers are reused, small ones live inline.
#include "storage.hpp"

#include <cstdlib>
#include <new>
#include <utility>
#include <vector>

namespace tapegrad {
namespace {

// Large buffers freed on this thread, kept for reuse: a training step allocates the same sizes
// every time, so steady-state steps get their buffers from here instead of the heap (and the
// kernel's page faults). Bounded in count and bytes; everything else goes back to the heap.
// Under AddressSanitizer the cache is off, so a use after free of a large tensor is still reported.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheBuffers = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCacheBuffers = false;
#else
constexpr bool kCacheBuffers = true;
#endif
#else
constexpr bool kCacheBuffers = true;
#endif

class BufferCache {
 public:
  static constexpr std::size_t kMinBytes = 4096, kMaxBytes = 64u << 20, kMaxBuffers = 64;
  BufferCache() { buffers_.reserve(kMaxBuffers); }  // give() never allocates (it runs in destructors)
  ~BufferCache() {
    for (auto& [size, p] : buffers_) std::free(p);
    destroyed = true;
  }
  void* take(std::size_t size) {
    for (std::size_t i = 0; i < buffers_.size(); ++i)
      if (buffers_[i].first == size) {
        void* p = buffers_[i].second;
        buffers_[i] = buffers_.back();
        buffers_.pop_back();
        bytes_ -= size;
        return p;
      }
    return nullptr;
  }
  bool give(std::size_t size, void* p) {
    if (!kCacheBuffers || size < kMinBytes || bytes_ + size > kMaxBytes || buffers_.size() >= kMaxBuffers) return false;
    buffers_.emplace_back(size, p);
    bytes_ += size;
    return true;
  }
  static thread_local bool destroyed;  // storages outliving the cache at thread exit free directly

 private:
  std::vector<std::pair<std::size_t, void*>> buffers_;
  std::size_t bytes_ = 0;
};
thread_local bool BufferCache::destroyed = false;
thread_local BufferCache buffer_cache;

std::size_t padded(std::size_t n) { return (n + 63) / 64 * 64; }

}  // namespace

Storage::Storage(std::size_t n) : nbytes(n) {
  if (n <= kInlineBytes) {
    data = inline_bytes_;
    return;
  }
  const std::size_t size = padded(n);
  data = BufferCache::destroyed ? nullptr : buffer_cache.take(size);
  if (!data) data = std::aligned_alloc(64, size);
  if (!data) throw std::bad_alloc();
}

Storage::~Storage() {
  if (data == inline_bytes_) return;
  if (BufferCache::destroyed || !buffer_cache.give(padded(nbytes), data)) std::free(data);
}

}  // namespace tapegrad

