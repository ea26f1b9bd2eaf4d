#include "alloc_counter.hpp"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>

// glibc's allocator under its internal names (exported for exactly this kind of wrapper).
extern "C" {
void* __libc_malloc(std::size_t size);
void __libc_free(void* ptr);
void* __libc_calloc(std::size_t count, std::size_t size);
void* __libc_realloc(void* ptr, std::size_t size);
void* __libc_memalign(std::size_t alignment, std::size_t size);
void* __libc_valloc(std::size_t size);
void* __libc_pvalloc(std::size_t size);
}

namespace {

// Relaxed atomics: OpenMP workers allocate too; only the totals matter, not their order.
std::atomic<std::uint64_t> g_allocations{0};
std::atomic<std::uint64_t> g_bytes{0};

inline void count(std::size_t bytes) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

}  // namespace

namespace alloc_counter {
Snapshot now() {
  return {g_allocations.load(std::memory_order_relaxed), g_bytes.load(std::memory_order_relaxed)};
}
}  // namespace alloc_counter

// The interposed functions: same names and exception specifications as <cstdlib>'s declarations.
extern "C" {

void* malloc(std::size_t size) noexcept {
  count(size);
  return __libc_malloc(size);
}

void free(void* ptr) noexcept { __libc_free(ptr); }

void* calloc(std::size_t n, std::size_t size) noexcept {
  count(n * size);
  return __libc_calloc(n, size);
}

void* realloc(void* ptr, std::size_t size) noexcept {
  count(size);
  return __libc_realloc(ptr, size);
}

void* memalign(std::size_t alignment, std::size_t size) noexcept {
  count(size);
  return __libc_memalign(alignment, size);
}

void* aligned_alloc(std::size_t alignment, std::size_t size) noexcept {
  count(size);
  return __libc_memalign(alignment, size);
}

int posix_memalign(void** out, std::size_t alignment, std::size_t size) noexcept {
  // POSIX: the alignment must be a power of two and a multiple of sizeof(void*).
  if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
  count(size);
  void* p = __libc_memalign(alignment, size);
  if (!p && size != 0) return ENOMEM;
  *out = p;
  return 0;
}

void* valloc(std::size_t size) noexcept {
  count(size);
  return __libc_valloc(size);
}

void* pvalloc(std::size_t size) noexcept {
  count(size);
  return __libc_pvalloc(size);
}

}  // extern "C"
