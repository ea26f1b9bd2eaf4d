// Hostile IDX and MNIST inputs not covered by test_idx.cpp / test_mnist.cpp: gzip
// streams cut at every byte or corrupt in their header, trailer or second member; empty files and
// folders, FIFOs and devices where a file should be; truncation at every offset of MNIST's files;
// shapes whose product overflows behind a zero; and huge declared sizes, where the largest single
// allocation is measured to prove the reader fails before allocating what the header claims.
#include <sys/stat.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <tapegrad/tapegrad.hpp>

#include "../support/files.hpp"

namespace ds = tapegrad::datasets;
using namespace support;

// ---- the largest single allocation through operator new while a LargestAllocation is alive ----
// Replaces the global (non-aligned) operator new/delete family of the test program, all of it so that
// every pair matches (ASan checks that); when idle it costs one relaxed load per allocation.
namespace {
std::atomic<bool> g_tracking{false};
std::atomic<std::size_t> g_largest{0};

void* tracked_malloc(std::size_t n) noexcept {
  if (g_tracking.load(std::memory_order_relaxed)) {
    std::size_t seen = g_largest.load(std::memory_order_relaxed);
    while (n > seen && !g_largest.compare_exchange_weak(seen, n, std::memory_order_relaxed)) {
    }
  }
  return std::malloc(n ? n : 1);
}

void* tracked_new(std::size_t n) {
  if (void* p = tracked_malloc(n)) return p;
  throw std::bad_alloc();
}
}  // namespace

void* operator new(std::size_t n) { return tracked_new(n); }
void* operator new[](std::size_t n) { return tracked_new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return tracked_malloc(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return tracked_malloc(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace {

class LargestAllocation {
 public:
  LargestAllocation() {
    g_largest = 0;
    g_tracking = true;
  }
  ~LargestAllocation() { g_tracking = false; }
  std::size_t bytes() const { return g_largest.load(); }
};

constexpr std::size_t kMiB = 1 << 20;

std::string ends_early(std::size_t offset) {
  return "gzip stream ends early: the compressed data stops at byte offset " + std::to_string(offset) +
         " before the end of the gzip stream (truncated .gz file?)";
}

std::string corrupt_at(std::size_t offset, const std::string& zlib_says) {
  return "corrupt gzip stream near compressed byte offset " + std::to_string(offset) + ": zlib says '" + zlib_says + "'";
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

}  // namespace

TEST_CASE("read_idx: a gzip file cut at every byte reports where the compressed data stops", "[datasets]") {
  TempDir dir;
  const auto path = dir / "cut.gz";
  // Two members, so cuts inside the second one (after a complete first member) are covered too.
  const Bytes first = gzip_stored(Bytes(kGoodIdx.begin(), kGoodIdx.begin() + 20));
  const Bytes gz = concat(first, gzip_stored(Bytes(kGoodIdx.begin() + 20, kGoodIdx.end())));
  REQUIRE(first.size() == 43);  // 10 header + 5 block header + 20 data + 8 trailer
  REQUIRE(ds::read_idx_from_memory(gz).bytes == counting_bytes(24));
  for (std::size_t k = 1; k < gz.size(); ++k) {
    INFO("cut to " << k << " bytes");
    write_file(path, Bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(k)));
    if (k == 1) {  // a lone 0x1f is not gzip's two-byte magic: read raw
      CHECK(idx_error(path) == idx_prefix(path) + "truncated at byte offset 1: expected the 4-byte magic number 0x00 0x00 "
                                                  "<dtype> <dims>");
    } else if (k == first.size()) {  // exactly the first member: valid gzip, IDX data cut at 20
      CHECK(idx_error(path) == idx_prefix(path) + "truncated at byte offset 20 of the decompressed data: the header "
                                                  "declares 2 x 3 x 4 ubyte (0x08) = 24 payload bytes after the 16-byte "
                                                  "header, but the data has only 4");
    } else if (k == first.size() + 1) {  // one byte of a second member cannot be told from stray data
      CHECK(idx_error(path) == idx_prefix(path) + "unexpected data after the end of the gzip stream at compressed byte "
                                                  "offset 43");
    } else {
      CHECK(idx_error(path) == idx_prefix(path) + ends_early(k));
    }
  }
}

TEST_CASE("read_idx rejects gzip streams with a corrupt header, trailer or second member", "[datasets]") {
  TempDir dir;
  const auto path = dir / "bad.gz";
  const Bytes gz = gzip_stored(kGoodIdx);  // 63 bytes; the trailer is CRC32 at 55..58, size at 59..62

  SECTION("compression method other than deflate") {
    Bytes bad = gz;
    bad[2] = 0x07;
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + corrupt_at(4, "unknown compression method"));
  }
  SECTION("reserved header flags set") {
    Bytes bad = gz;
    bad[3] = 0xE0;
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + corrupt_at(4, "unknown header flags set"));
  }
  SECTION("header CRC (FHCRC) wrong") {
    // FHCRC adds the low 16 bits of the CRC32 of the 10 header bytes right after them.
    Bytes header(gz.begin(), gz.begin() + 10);
    header[3] = 0x02;
    const std::uint32_t crc = crc32(header) & 0xFFFF;
    Bytes good = header;
    good.push_back(crc & 0xFF);
    good.push_back(crc >> 8);
    good.insert(good.end(), gz.begin() + 10, gz.end());
    write_file(path, good);
    REQUIRE(ds::read_idx(path).bytes == counting_bytes(24));  // the correct CRC is accepted
    Bytes bad = good;
    bad[10] ^= 0x01;
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + corrupt_at(12, "header crc mismatch"));
  }
  SECTION("uncompressed size in the trailer wrong") {
    Bytes bad = gz;
    bad[59] += 1;
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + corrupt_at(63, "incorrect length check"));
  }
  SECTION("a corrupt second member") {
    const Bytes first = gzip_stored(Bytes(kGoodIdx.begin(), kGoodIdx.begin() + 20));
    Bytes bad = concat(first, gzip_stored(Bytes(kGoodIdx.begin() + 20, kGoodIdx.end())));
    bad[first.size() + 10] = 0x07;  // BFINAL 1, BTYPE 11 (reserved)
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + corrupt_at(first.size() + 11, "invalid block type"));
  }
  SECTION("gzip of something that is not IDX") {
    const std::string text = "hello, world\n";
    write_file(path, gzip_stored(Bytes(text.begin(), text.end())));
    CHECK(idx_error(path) == idx_prefix(path) + "bad magic number: expected 0x00 0x00 <dtype> <dims> at byte offset 0, "
                                                "found 0x68 0x65 0x6C 0x6C (not an IDX file)");
  }
}

TEST_CASE("read_idx rejects FIFOs, devices and dangling links without blocking on them", "[datasets]") {
  TempDir dir;
  const auto fifo = dir / "fifo";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  CHECK(idx_error(fifo) == idx_prefix(fifo) + "is not a regular file");  // opening it would block forever
  CHECK(idx_error("/dev/null") == idx_prefix("/dev/null") + "is not a regular file");
  std::filesystem::create_symlink(dir / "nowhere", dir / "dangling");
  CHECK(idx_error(dir / "dangling") == idx_prefix(dir / "dangling") + "no such file");
  write_file(dir / "real", kGoodIdx);
  std::filesystem::create_symlink(dir / "real", dir / "link");
  CHECK(ds::read_idx(dir / "link").bytes == counting_bytes(24));  // a link to a good file is fine
}

TEST_CASE("read_idx_from_memory reads what read_idx reads and names the bytes in its errors", "[datasets]") {
  TempDir dir;
  for (const Bytes& bytes : {kGoodIdx, gzip_stored(kGoodIdx)}) {
    write_file(dir / "file", bytes);
    const ds::IdxArray from_file = ds::read_idx(dir / "file"), from_memory = ds::read_idx_from_memory(bytes);
    CHECK(from_memory.shape == from_file.shape);
    CHECK(from_memory.bytes == from_file.bytes);
  }
  const Bytes cut(kGoodIdx.begin(), kGoodIdx.begin() + 10);
  CHECK(runtime_error_of([&] { ds::read_idx_from_memory(cut, "upload #3"); }) ==
        "IDX file 'upload #3': truncated at byte offset 10: the header declares 3 dimensions, so it needs 16 bytes");
  CHECK(runtime_error_of([&] { ds::read_idx_from_memory({}); }) ==
        "IDX file '<memory>': the file is empty (0 bytes), expected an IDX header (or gzip data)");
}

TEST_CASE("read_idx rejects sizes whose product overflows even when another size is 0", "[datasets]") {
  // No elements, but a tensor of this shape would overflow computing its strides (products from the right).
  TempDir dir;
  const auto path = dir / "zero";
  write_file(path, idx_bytes(0x08, {0, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, {}));
  CHECK(idx_error(path) == idx_prefix(path) + "dimension product overflows: the header declares 0 x 4294967295 x "
                                              "4294967295 x 4294967295 elements of 1 byte(s), more than the 2^63 - 1 "
                                              "bytes a tensor can hold");
  write_file(path, idx_bytes(0x0E, {0xFFFFFFFFu, 0, 0xFFFFFFFFu}, {}));  // 8 x (2^32-1)^2 > 2^63 - 1 too
  CHECK(idx_error(path) == idx_prefix(path) + "dimension product overflows: the header declares 4294967295 x 0 x "
                                              "4294967295 elements of 8 byte(s), more than the 2^63 - 1 bytes a "
                                              "tensor can hold");
  write_file(path, idx_bytes(0x0E, {0x10000000u, 0, 7}, {}));  // representable: an empty array
  const ds::IdxArray empty = ds::read_idx(path);
  CHECK(empty.shape == std::vector<std::int64_t>{0x10000000, 0, 7});
  CHECK(empty.numel() == 0);
  CHECK(empty.bytes.empty());
}

TEST_CASE("read_idx never allocates what a header declares before the data is there", "[datasets]") {
  // 1 GiB declared. Raw: the file size is checked first. Gzip: the buffer grows with the data actually
  // decompressed (from 1 MiB, doubling), so a short stream costs at most about twice what it holds.
  TempDir dir;
  const Bytes header_only = idx_bytes(0x08, {1024, 1024, 1024}, {});
  const std::string declared =
      "the header declares 1024 x 1024 x 1024 ubyte (0x08) = 1073741824 payload bytes after the 16-byte header";

  write_file(dir / "raw", concat(header_only, counting_bytes(24)));
  write_file(dir / "short.gz", gzip_stored(concat(header_only, counting_bytes(24))));
  write_file(dir / "long.gz", gzip_stored(concat(header_only, Bytes(3 * kMiB, 0))));  // 3 MiB of 1 GiB
  {
    LargestAllocation largest;
    CHECK(idx_error(dir / "raw") == idx_prefix(dir / "raw") + "truncated at byte offset 40: " + declared +
                                            ", but the file has only 24");
    CHECK(largest.bytes() < kMiB);
  }
  {
    LargestAllocation largest;
    CHECK(idx_error(dir / "short.gz") == idx_prefix(dir / "short.gz") + "truncated at byte offset 40 of the decompressed "
                                                                        "data: " + declared + ", but the data has only 24");
    CHECK(largest.bytes() <= kMiB);
  }
  {
    LargestAllocation largest;
    CHECK(idx_error(dir / "long.gz") == idx_prefix(dir / "long.gz") + "truncated at byte offset " +
                                                std::to_string(3 * kMiB + 16) + " of the decompressed data: " + declared +
                                                ", but the data has only " + std::to_string(3 * kMiB));
    CHECK(largest.bytes() <= 4 * kMiB);
  }
}

namespace {

// The training pair, raw or gzip; raw files from before are removed, since MNIST reads them first.
void write_pair(const std::filesystem::path& dir, const Bytes& images, const Bytes& labels, bool gzip) {
  std::filesystem::remove(dir / "train-images-idx3-ubyte");
  std::filesystem::remove(dir / "train-labels-idx1-ubyte");
  write_mnist(dir, "train", images, labels, gzip);
}

}  // namespace

TEST_CASE("MNIST: an images or labels file cut at every offset names the file and the offset", "[datasets]") {
  const Bytes images = idx_bytes(0x08, {2, 2, 2}, counting_bytes(8));  // 16 + 8 bytes
  const Bytes labels = idx_bytes(0x08, {2}, {3, 4});                   // 8 + 2 bytes
  for (const bool gzip : {false, true}) {
    TempDir dir;
    const std::string suffix = gzip ? ".gz" : "", where = gzip ? " of the decompressed data" : "";
    for (const bool cut_images : {true, false}) {
      const Bytes& whole = cut_images ? images : labels;
      const auto path = dir / ((cut_images ? "train-images-idx3-ubyte" : "train-labels-idx1-ubyte") + suffix);
      for (std::size_t k = 0; k < whole.size(); ++k) {
        INFO((gzip ? "gzip " : "raw ") << path.filename().string() << " cut to " << k << " bytes");
        const Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(k));
        write_pair(dir.path(), cut_images ? cut : images, cut_images ? labels : cut, gzip);
        const std::string error = mnist_error(dir.path());
        const std::string expected =
            k > 0 ? "truncated at byte offset " + std::to_string(k) + where
                  : (gzip ? "the gzip stream is empty (decompresses to 0 bytes)" : "the file is empty (0 bytes)");
        CHECK(error.rfind(idx_prefix(path) + expected, 0) == 0);
      }
    }
    write_pair(dir.path(), images, labels, gzip);
    CHECK(ds::MNIST(dir.path()).size() == 2);  // and whole, they load
  }
}

TEST_CASE("MNIST rejects empty files, folders in place of files and more labels than images", "[datasets]") {
  TempDir dir;
  const auto images_path = dir / "train-images-idx3-ubyte", labels_path = dir / "train-labels-idx1-ubyte";
  const Bytes images = idx_bytes(0x08, {2, 2, 2}, counting_bytes(8));

  write_pair(dir.path(), images, {}, false);
  CHECK(mnist_error(dir.path()) == idx_prefix(labels_path) + "the file is empty (0 bytes), expected an IDX header (or gzip data)");

  write_pair(dir.path(), images, idx_bytes(0x08, {2}, {1, 2}), false);
  std::filesystem::remove(images_path);
  std::filesystem::create_directory(images_path);
  CHECK(mnist_error(dir.path()) == idx_prefix(images_path) + "is a directory, expected an IDX file");
  std::filesystem::remove(images_path);

  write_pair(dir.path(), images, idx_bytes(0x08, {3}, {1, 2, 3}), true);
  CHECK(mnist_error(dir.path()) == "MNIST: labels file '" + labels_path.string() + ".gz' has 3 labels, but images "
                                   "file '" + images_path.string() + ".gz' has 2 images");
}

TEST_CASE("MNIST fails on a huge declared label count without allocating it", "[datasets]") {
  TempDir dir;
  const Bytes images = idx_bytes(0x08, {2, 2, 2}, counting_bytes(8));
  write_pair(dir.path(), images, idx_bytes(0x08, {0xFFFFFFFFu}, {1, 2}), true);
  LargestAllocation largest;
  CHECK(mnist_error(dir.path()) == idx_prefix(dir / "train-labels-idx1-ubyte.gz") +
                                           "truncated at byte offset 10 of the decompressed data: the header declares "
                                           "4294967295 ubyte (0x08) = 4294967295 payload bytes after the 8-byte header, "
                                           "but the data has only 2");
  CHECK(largest.bytes() <= kMiB);
}
