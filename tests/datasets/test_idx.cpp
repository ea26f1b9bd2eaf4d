// IDX reader: good files (raw, gzip, multi-byte types) and every kind of bad file, each with the
// exact message expected.
#include <bit>
#include <catch2/catch.hpp>
#include <cstring>
#include <tapegrad/tapegrad.hpp>

#include "../support/files.hpp"

namespace ds = tapegrad::datasets;
using namespace support;

namespace {

const std::string kDeclared = "the header declares 2 x 3 x 4 ubyte (0x08) = 24 payload bytes after the 16-byte header";

}  // namespace

TEST_CASE("read_idx reads raw and gzip files alike", "[datasets]") {
  TempDir dir;
  write_file(dir / "a", kGoodIdx);
  write_file(dir / "a.gz", gzip_stored(kGoodIdx));
  write_file(dir / "gzip-without-suffix", gzip_stored(kGoodIdx));  // detected by content, not name
  for (const auto* name : {"a", "a.gz", "gzip-without-suffix"}) {
    INFO(name);
    const ds::IdxArray array = ds::read_idx(dir / name);
    CHECK(array.dtype == ds::IdxDtype::kUint8);
    CHECK(array.shape == std::vector<std::int64_t>{2, 3, 4});
    CHECK(array.header_bytes == 16);
    CHECK(array.numel() == 24);
    CHECK(array.bytes == counting_bytes(24));
  }
}

TEST_CASE("read_idx handles gzip files of several members and several deflate blocks", "[datasets]") {
  TempDir dir;
  // 70,016 bytes: more than one stored block (65,535 max), split across two gzip members.
  const Bytes big = idx_bytes(0x08, {70000}, counting_bytes(70000));
  Bytes two_members = gzip_stored(Bytes(big.begin(), big.begin() + 30000));
  const Bytes second = gzip_stored(Bytes(big.begin() + 30000, big.end()));
  two_members.insert(two_members.end(), second.begin(), second.end());
  write_file(dir / "big.gz", two_members);
  const auto array = ds::read_idx(dir / "big.gz");
  CHECK(array.shape == std::vector<std::int64_t>{70000});
  CHECK(array.bytes == counting_bytes(70000));
}

TEST_CASE("read_idx converts multi-byte elements from big-endian", "[datasets]") {
  TempDir dir;
  Bytes ints;
  for (const std::uint32_t v : {1u, 0xFFFFFFFEu, 0x01020304u}) put_be32(ints, v);
  write_file(dir / "int32", idx_bytes(0x0C, {3}, ints));
  auto array = ds::read_idx(dir / "int32");
  REQUIRE(array.dtype == ds::IdxDtype::kInt32);
  std::int32_t values[3];
  std::memcpy(values, array.bytes.data(), sizeof values);
  CHECK(values[0] == 1);
  CHECK(values[1] == -2);
  CHECK(values[2] == 0x01020304);

  Bytes floats;
  put_be32(floats, std::bit_cast<std::uint32_t>(1.5f));
  put_be32(floats, std::bit_cast<std::uint32_t>(-0.25f));
  write_file(dir / "float32", idx_bytes(0x0D, {1, 2}, floats));
  array = ds::read_idx(dir / "float32");
  float f[2];
  std::memcpy(f, array.bytes.data(), sizeof f);
  CHECK(f[0] == 1.5f);
  CHECK(f[1] == -0.25f);
}

TEST_CASE("read_idx: a file truncated at every offset names that offset", "[datasets]") {
  TempDir dir;
  for (std::size_t k = 0; k < kGoodIdx.size(); ++k) {
    INFO("truncated to " << k << " bytes");
    const Bytes cut(kGoodIdx.begin(), kGoodIdx.begin() + static_cast<std::ptrdiff_t>(k));
    const auto raw = dir / "raw", gz = dir / "gz";
    write_file(raw, cut);
    write_file(gz, gzip_stored(cut));
    const std::string at = "truncated at byte offset " + std::to_string(k);
    if (k == 0) {
      CHECK(idx_error(raw) == idx_prefix(raw) + "the file is empty (0 bytes), expected an IDX header (or gzip data)");
      CHECK(idx_error(gz) == idx_prefix(gz) + "the gzip stream is empty (decompresses to 0 bytes), expected an IDX header");
    } else if (k < 4) {
      const std::string what = ": expected the 4-byte magic number 0x00 0x00 <dtype> <dims>";
      CHECK(idx_error(raw) == idx_prefix(raw) + at + what);
      CHECK(idx_error(gz) == idx_prefix(gz) + at + " of the decompressed data" + what);
    } else if (k < 16) {
      const std::string what = ": the header declares 3 dimensions, so it needs 16 bytes";
      CHECK(idx_error(raw) == idx_prefix(raw) + at + what);
      CHECK(idx_error(gz) == idx_prefix(gz) + at + " of the decompressed data" + what);
    } else {
      const std::string have = std::to_string(k - 16);
      CHECK(idx_error(raw) == idx_prefix(raw) + at + ": " + kDeclared + ", but the file has only " + have);
      CHECK(idx_error(gz) == idx_prefix(gz) + at + " of the decompressed data: " + kDeclared + ", but the data has only " + have);
    }
  }
}

TEST_CASE("read_idx rejects data after the declared payload", "[datasets]") {
  TempDir dir;
  Bytes longer = kGoodIdx;
  longer.push_back(0x2a);
  write_file(dir / "raw", longer);
  write_file(dir / "gz", gzip_stored(longer));
  CHECK(idx_error(dir / "raw") == idx_prefix(dir / "raw") + "trailing data: " + kDeclared +
                                          " (ending at byte offset 40), but the file has 1 more bytes");
  CHECK(idx_error(dir / "gz") == idx_prefix(dir / "gz") + "trailing data: " + kDeclared +
                                         " (ending at byte offset 40 of the decompressed data), but more data follows");
}

TEST_CASE("read_idx rejects a bad magic number, an unknown dtype byte and a bad number of dimensions", "[datasets]") {
  TempDir dir;
  const auto path = dir / "bad";
  Bytes bytes = kGoodIdx;
  bytes[0] = 0x01;
  write_file(path, bytes);
  CHECK(idx_error(path) == idx_prefix(path) + "bad magic number: expected 0x00 0x00 <dtype> <dims> at byte offset 0, "
                                              "found 0x01 0x00 0x08 0x03 (not an IDX file)");
  bytes = kGoodIdx;
  bytes[1] = 0x08;
  write_file(path, bytes);
  CHECK(idx_error(path) == idx_prefix(path) + "bad magic number: expected 0x00 0x00 <dtype> <dims> at byte offset 0, "
                                              "found 0x00 0x08 0x08 0x03 (not an IDX file)");
  for (const std::uint8_t dtype : {0x00, 0x07, 0x0A, 0x0F, 0xFF}) {
    bytes = kGoodIdx;
    bytes[2] = dtype;
    write_file(path, bytes);
    char hex[8];
    std::snprintf(hex, sizeof hex, "0x%02X", dtype);
    CHECK(idx_error(path) == idx_prefix(path) + "unknown dtype byte " + hex +
                                     " at byte offset 2: expected one of 0x08 (ubyte), 0x09 (byte), 0x0B (short), "
                                     "0x0C (int), 0x0D (float), 0x0E (double)");
  }
  for (const std::uint8_t ndims : {0, 17, 255}) {
    bytes = kGoodIdx;
    bytes[3] = ndims;
    write_file(path, bytes);
    CHECK(idx_error(path) == idx_prefix(path) + "number of dimensions " + std::to_string(ndims) +
                                     " at byte offset 3 is outside 1..16");
  }
}

TEST_CASE("read_idx rejects a dimension product that overflows", "[datasets]") {
  TempDir dir;
  const auto path = dir / "overflow";
  write_file(path, idx_bytes(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}, counting_bytes(8)));
  CHECK(idx_error(path) == idx_prefix(path) + "dimension product overflows: the header declares 4294967295 x 4294967295 "
                                              "x 4294967295 elements of 1 byte(s), more than the 2^63 - 1 bytes a tensor can hold");
  // Fits as an element count (2^62) but not in bytes once multiplied by 8 for doubles.
  write_file(path, idx_bytes(0x0E, {0x80000000u, 0x80000000u}, counting_bytes(8)));
  CHECK(idx_error(path) == idx_prefix(path) + "dimension product overflows: the header declares 2147483648 x 2147483648 "
                                              "elements of 8 byte(s), more than the 2^63 - 1 bytes a tensor can hold");
}

TEST_CASE("read_idx fails on a huge declared size with the size mismatch, before allocating it", "[datasets]") {
  // 4294967295 x 65536 bytes (281 TB) declared, 24 bytes present: the error must be the mismatch, not
  // std::bad_alloc (runtime_error_of lets any other exception fail the test).
  TempDir dir;
  const Bytes huge = idx_bytes(0x08, {0xFFFFFFFFu, 65536, 1}, counting_bytes(24));
  write_file(dir / "raw", huge);
  write_file(dir / "gz", gzip_stored(huge));
  const std::string declared =
      "the header declares 4294967295 x 65536 x 1 ubyte (0x08) = 281474976645120 payload bytes after the 16-byte header";
  CHECK(idx_error(dir / "raw") == idx_prefix(dir / "raw") + "truncated at byte offset 40: " + declared +
                                          ", but the file has only 24");
  CHECK(idx_error(dir / "gz") == idx_prefix(dir / "gz") + "truncated at byte offset 40 of the decompressed data: " +
                                         declared + ", but the data has only 24");
}

TEST_CASE("read_idx rejects corrupt and cut gzip streams", "[datasets]") {
  TempDir dir;
  const auto path = dir / "bad.gz";
  const Bytes gz = gzip_stored(kGoodIdx);  // 10 header + 5 block header + 40 data + 8 trailer = 63 bytes
  REQUIRE(gz.size() == 63);

  SECTION("invalid deflate block type") {
    Bytes bad = gz;
    bad[10] = 0x07;  // BFINAL 1, BTYPE 11 (reserved)
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + "corrupt gzip stream near compressed byte offset 11: zlib says 'invalid block type'");
  }
  SECTION("checksum mismatch") {
    Bytes bad = gz;
    bad[55] ^= 0xFF;  // first CRC32 byte
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + "corrupt gzip stream near compressed byte offset 59: zlib says 'incorrect data check'");
  }
  SECTION("stream cut inside the data") {
    write_file(path, Bytes(gz.begin(), gz.begin() + 23));  // 8 bytes of IDX data present
    CHECK(idx_error(path) == idx_prefix(path) + "gzip stream ends early: the compressed data stops at byte offset 23 "
                                                "before the end of the gzip stream (truncated .gz file?)");
  }
  SECTION("stream cut inside the trailer") {
    write_file(path, Bytes(gz.begin(), gz.begin() + 60));
    CHECK(idx_error(path) == idx_prefix(path) + "gzip stream ends early: the compressed data stops at byte offset 60 "
                                                "before the end of the gzip stream (truncated .gz file?)");
  }
  SECTION("stray bytes after the gzip stream") {
    Bytes bad = gz;
    bad.insert(bad.end(), {0x00, 0x00, 0x00});
    write_file(path, bad);
    CHECK(idx_error(path) == idx_prefix(path) + "unexpected data after the end of the gzip stream at compressed byte offset 63");
  }
}

TEST_CASE("read_idx rejects missing files and directories", "[datasets]") {
  TempDir dir;
  CHECK(idx_error(dir / "missing") == idx_prefix(dir / "missing") + "no such file");
  std::filesystem::create_directory(dir / "folder");
  CHECK(idx_error(dir / "folder") == idx_prefix(dir / "folder") + "is a directory, expected an IDX file");
}
