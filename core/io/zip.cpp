#include "zip.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include "safetensors_header.hpp"  // checkpoint_error, shown

namespace tapegrad::io {
namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50, kCentralSig = 0x02014b50, kEndSig = 0x06054b50;
constexpr std::uint32_t kEnd64Sig = 0x06064b50, kEnd64LocatorSig = 0x07064b50;
constexpr std::uint64_t kLocalBytes = 30, kCentralBytes = 46, kEndBytes = 22, kEnd64Bytes = 56, kLocatorBytes = 20;
constexpr std::uint64_t kMaxComment = 0xffff;
constexpr std::uint32_t kMax32 = 0xffffffff;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
// deflate cannot expand by more than about 1032 to 1 (258-byte matches coded in 2 bits).
constexpr std::uint64_t kMaxDeflateRatio = 1032;
constexpr std::uint64_t kAlignment = 64;

std::uint64_t le(const std::uint8_t* p, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}

std::string at(std::uint64_t offset) { return " at byte offset " + std::to_string(offset); }

// The zip64 extended-information field in a central header's extra bytes: each 64-bit value is there
// only when its 32-bit field is all ones, in this order.
void apply_zip64_extra(const ZipReader& zip, const std::uint8_t* extra, std::uint64_t n, std::uint64_t where,
                       ZipEntry& e, bool need_size, bool need_compressed, bool need_offset) {
  for (std::uint64_t i = 0; i + 4 <= n;) {
    const std::uint64_t id = le(extra + i, 2), len = le(extra + i + 2, 2);
    if (i + 4 + len > n) throw zip.error("an extra field of entry '" + shown(e.name) + "' runs past its header" + at(where));
    if (id == kZip64ExtraId) {
      std::uint64_t p = i + 4, end = p + len;
      auto take = [&](std::uint64_t& field) {
        if (p + 8 > end) throw zip.error("entry '" + shown(e.name) + "': its zip64 field is too short" + at(where));
        field = le(extra + p, 8);
        p += 8;
      };
      if (need_size) take(e.size);
      if (need_compressed) take(e.compressed_size);
      if (need_offset) take(e.header_offset);
      return;
    }
    i += 4 + len;
  }
  if (need_size || need_compressed || need_offset)
    throw zip.error("entry '" + shown(e.name) + "' needs a zip64 field but has none" + at(where));
}

}  // namespace

bool looks_like_zip(std::span<const std::uint8_t> prefix) {
  if (prefix.size() < 4) return false;
  const std::uint64_t sig = le(prefix.data(), 4);
  return sig == kLocalSig || sig == kEndSig;
}

ZipReader::ZipReader(const std::string& path) : name_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw error(std::string("cannot open for reading: ") + std::strerror(errno));
  const off_t size = ::lseek(fd_, 0, SEEK_END);
  if (size < 0 || std::filesystem::is_directory(path)) {
    ::close(fd_);
    throw error("not a readable regular file");
  }
  size_ = static_cast<std::uint64_t>(size);
  try {
    read_directory();
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

ZipReader::ZipReader(std::span<const std::uint8_t> bytes, std::string name)
    : name_(std::move(name)), bytes_(bytes), size_(bytes.size()) {
  read_directory();
}

ZipReader::~ZipReader() {
  if (fd_ >= 0) ::close(fd_);
}

std::runtime_error ZipReader::error(const std::string& problem) const { return checkpoint_error(name_, problem); }

void ZipReader::read_at(std::uint64_t offset, void* dst, std::uint64_t n) const {
  if (offset > size_ || n > size_ - offset)
    throw error(std::to_string(n) + " bytes" + at(offset) + " reach past the end of the " + std::to_string(size_) +
                "-byte file (truncated?)");
  if (n == 0) return;  // an empty record: dst may be null (an empty vector's data()), which memcpy must not get
  if (fd_ < 0) {
    std::memcpy(dst, bytes_.data() + offset, n);
    return;
  }
  auto* out = static_cast<std::uint8_t*>(dst);
  while (n > 0) {
    const ssize_t got = ::pread(fd_, out, std::min<std::uint64_t>(n, 1 << 30), static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) throw error("read error" + at(offset) + ": " + (got < 0 ? std::strerror(errno) : "end of file"));
    out += got, offset += static_cast<std::uint64_t>(got), n -= static_cast<std::uint64_t>(got);
  }
}

void ZipReader::read_directory() {
  // The end record is in the last 22 + 65535 bytes (its comment is at most that long); the last
  // signature whose comment length matches the file's end is it.
  if (size_ < kEndBytes) throw error("file is " + std::to_string(size_) + " bytes, too short for a zip archive");
  const std::uint64_t tail_size = std::min(size_, kEndBytes + kMaxComment);
  std::vector<std::uint8_t> tail(tail_size);
  read_at(size_ - tail_size, tail.data(), tail_size);
  std::uint64_t end = size_;  // offset of the end record
  for (std::uint64_t i = tail_size - kEndBytes + 1; i-- > 0;)
    if (le(&tail[i], 4) == kEndSig && i + kEndBytes + le(&tail[i + 20], 2) == tail_size) {
      end = size_ - tail_size + i;
      break;
    }
  if (end == size_) throw error("no zip end-of-central-directory record in the last " + std::to_string(tail_size) +
                                " bytes (truncated, or not a zip archive)");
  const std::uint8_t* rec = &tail[end - (size_ - tail_size)];
  std::uint64_t disk = le(rec + 4, 2), cd_disk = le(rec + 6, 2), count_here = le(rec + 8, 2), count = le(rec + 10, 2);
  std::uint64_t cd_size = le(rec + 12, 4), cd_offset = le(rec + 16, 4);
  std::uint64_t cd_limit = end;  // the central directory ends where the end records begin
  if (count == 0xffff || count_here == 0xffff || cd_size == kMax32 || cd_offset == kMax32) {
    if (end < kLocatorBytes) throw error("zip64 end record expected before byte offset " + std::to_string(end));
    std::uint8_t loc[kLocatorBytes];
    read_at(end - kLocatorBytes, loc, kLocatorBytes);
    if (le(loc, 4) != kEnd64LocatorSig) throw error("no zip64 end-record locator" + at(end - kLocatorBytes));
    const std::uint64_t end64 = le(loc + 8, 8);
    if (end64 > end - kLocatorBytes || end - kLocatorBytes - end64 < kEnd64Bytes)
      throw error("zip64 end record offset " + std::to_string(end64) + " is out of place" + at(end - kLocatorBytes));
    std::uint8_t r[kEnd64Bytes];
    read_at(end64, r, kEnd64Bytes);
    if (le(r, 4) != kEnd64Sig) throw error("no zip64 end record" + at(end64));
    disk = le(r + 16, 4), cd_disk = le(r + 20, 4), count_here = le(r + 24, 8), count = le(r + 32, 8);
    cd_size = le(r + 40, 8), cd_offset = le(r + 48, 8);
    cd_limit = end64;
  }
  if (disk != 0 || cd_disk != 0 || count_here != count) throw error("archives split over several disks are not read");
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
    throw error("the central directory (" + std::to_string(cd_size) + " bytes" + at(cd_offset) +
                ") reaches past its end record" + at(cd_limit));
  if (count > cd_size / kCentralBytes)
    throw error(std::to_string(count) + " entries cannot fit in a " + std::to_string(cd_size) + "-byte central directory");

  std::vector<std::uint8_t> cd(cd_size);
  read_at(cd_offset, cd.data(), cd_size);
  entries_.reserve(count);
  std::uint64_t p = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    const std::uint64_t where = cd_offset + p;
    if (cd_size - p < kCentralBytes || le(&cd[p], 4) != kCentralSig) throw error("bad central header" + at(where));
    const std::uint8_t* h = &cd[p];
    const std::uint64_t flags = le(h + 8, 2), name_len = le(h + 28, 2), extra_len = le(h + 30, 2), comment_len = le(h + 32, 2);
    if (cd_size - p - kCentralBytes < name_len + extra_len + comment_len)
      throw error("central header runs past the central directory" + at(where));
    ZipEntry e;
    e.name.assign(reinterpret_cast<const char*>(h + kCentralBytes), name_len);
    e.method = static_cast<std::uint16_t>(le(h + 10, 2));
    e.crc32 = static_cast<std::uint32_t>(le(h + 16, 4));
    e.compressed_size = le(h + 20, 4), e.size = le(h + 24, 4), e.header_offset = le(h + 42, 4);
    apply_zip64_extra(*this, h + kCentralBytes + name_len, extra_len, where, e, e.size == kMax32,
                      e.compressed_size == kMax32, e.header_offset == kMax32);
    if (flags & 0x41) throw error("entry '" + shown(e.name) + "' is encrypted" + at(where));
    if (e.method != 0 && e.method != 8)
      throw error("entry '" + shown(e.name) + "' uses compression method " + std::to_string(e.method) +
                  " (only stored and deflated entries are read)" + at(where));
    if (e.method == 0 && e.compressed_size != e.size)
      throw error("stored entry '" + shown(e.name) + "' has different sizes" + at(where));
    // Sizes a reader can trust before it allocates (so a sum of them cannot overflow either).
    if (e.size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw error("entry '" + shown(e.name) + "' declares " + std::to_string(e.size) + " bytes" + at(where));
    if (e.method == 8 && e.size > 1024 && (e.size - 1025) / kMaxDeflateRatio >= e.compressed_size)  // size > 1032 c + 1024
      throw error("entry '" + shown(e.name) + "' declares " + std::to_string(e.size) + " bytes from " +
                  std::to_string(e.compressed_size) + " deflated ones, more than deflate can produce (a zip bomb?)" + at(where));
    if (!index_.emplace(e.name, entries_.size()).second) throw error("entry '" + shown(e.name) + "' appears twice" + at(where));
    entries_.push_back(std::move(e));
    p += kCentralBytes + name_len + extra_len + comment_len;
  }

  // Each local header: the same name, its data inside the file before the central directory.
  for (ZipEntry& e : entries_) {
    const std::string which = "entry '" + shown(e.name) + "'";
    if (e.header_offset > cd_offset || cd_offset - e.header_offset < kLocalBytes)
      throw error(which + ": local header offset " + std::to_string(e.header_offset) + " is not before the central directory");
    std::uint8_t h[kLocalBytes];
    read_at(e.header_offset, h, kLocalBytes);
    if (le(h, 4) != kLocalSig) throw error(which + ": no local header" + at(e.header_offset));
    const std::uint64_t name_len = le(h + 26, 2), extra_len = le(h + 28, 2);
    e.data_offset = e.header_offset + kLocalBytes + name_len + extra_len;
    if (e.data_offset > cd_offset || e.compressed_size > cd_offset - e.data_offset)
      throw error(which + ": its " + std::to_string(e.compressed_size) + " bytes" + at(e.data_offset) +
                  " reach past the entries' area, which ends" + at(cd_offset));
    std::string local_name(name_len, '\0');
    read_at(e.header_offset + kLocalBytes, local_name.data(), name_len);
    if (local_name != e.name)
      throw error(which + ": its local header names '" + shown(local_name) + "'" + at(e.header_offset));
  }
  // No two entries share bytes (the overlapping-entries zip bomb).
  std::vector<const ZipEntry*> order;
  for (const ZipEntry& e : entries_) order.push_back(&e);
  std::sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->header_offset < b->header_offset; });
  for (std::size_t i = 1; i < order.size(); ++i)
    if (order[i]->header_offset < order[i - 1]->data_offset + order[i - 1]->compressed_size)
      throw error("entries '" + shown(order[i - 1]->name) + "' and '" + shown(order[i]->name) + "' overlap" +
                  at(order[i]->header_offset));
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::vector<std::uint8_t> ZipReader::read(const ZipEntry& e) const {
  const std::string which = "entry '" + shown(e.name) + "'";
  std::vector<std::uint8_t> out(e.size);
  if (e.method == 0) {
    read_at(e.data_offset, out.data(), e.size);
  } else {
    z_stream z{};
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) throw error("zlib could not start a deflate decoder");
    std::vector<std::uint8_t> in(std::min<std::uint64_t>(e.compressed_size, 1 << 16));
    std::uint64_t consumed = 0, produced = 0;
    std::uint8_t spill;  // one byte past the declared size catches an entry that inflates to more
    auto fail = [&](const std::string& problem) {
      inflateEnd(&z);
      return error(which + problem);
    };
    while (true) {
      if (z.avail_in == 0 && consumed < e.compressed_size) {
        const std::uint64_t n = std::min<std::uint64_t>(in.size(), e.compressed_size - consumed);
        read_at(e.data_offset + consumed, in.data(), n);
        z.next_in = in.data(), z.avail_in = static_cast<uInt>(n), consumed += n;
      }
      const bool full = produced == e.size;
      z.next_out = full ? &spill : out.data() + produced;
      z.avail_out = full ? 1 : static_cast<uInt>(std::min<std::uint64_t>(e.size - produced, 1u << 30));
      const uInt room = z.avail_out;
      const int status = inflate(&z, Z_NO_FLUSH);
      produced += room - z.avail_out;
      if (produced > e.size) throw fail(" inflates past its declared " + std::to_string(e.size) + " bytes (a zip bomb?)");
      if (status == Z_STREAM_END) break;
      // Z_BUF_ERROR: no progress, which with output room left means the input ran out.
      if (status == Z_BUF_ERROR && z.avail_in == 0 && consumed == e.compressed_size)
        throw fail(": its deflate data ends before the stream does (truncated?)" + at(e.data_offset));
      if (status != Z_OK && status != Z_BUF_ERROR)
        throw fail(": corrupt deflate data" + at(e.data_offset) + (z.msg ? std::string(" (") + z.msg + ")" : ""));
    }
    inflateEnd(&z);
    if (produced != e.size)
      throw error(which + " inflates to " + std::to_string(produced) + " bytes but declares " + std::to_string(e.size));
  }
  // zlib's crc32 takes a uInt length: large entries go in pieces.
  uLong crc = crc32(0, nullptr, 0);
  for (std::uint64_t i = 0; i < out.size(); i += 1u << 30)
    crc = crc32(crc, out.data() + i, static_cast<uInt>(std::min<std::uint64_t>(out.size() - i, 1u << 30)));
  if (crc != e.crc32)
    throw error(which + ": CRC-32 mismatch (the file says " + std::to_string(e.crc32) + ", the bytes give " +
                std::to_string(crc) + ")" + at(e.data_offset));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Writing

namespace {

void put_le(std::vector<std::uint8_t>& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

}  // namespace

void ZipWriter::put(const std::vector<std::uint8_t>& bytes) {
  write_(context_, bytes.data(), bytes.size());
  offset_ += bytes.size();
}

void ZipWriter::add(const std::string& name, std::span<const std::uint8_t> data) {
  ZipEntry e;
  e.name = name;
  e.size = e.compressed_size = data.size();
  e.header_offset = offset_;
  uLong crc = crc32(0, nullptr, 0);
  for (std::size_t i = 0; i < data.size(); i += 1u << 30)
    crc = crc32(crc, data.data() + i, static_cast<uInt>(std::min<std::size_t>(data.size() - i, 1u << 30)));
  e.crc32 = static_cast<std::uint32_t>(crc);
  const bool zip64 = e.size >= kMax32;
  std::vector<std::uint8_t> h;
  put_le(h, kLocalSig, 4);
  put_le(h, zip64 ? 45 : 20, 2);  // version needed
  put_le(h, 0x800, 2);            // names are UTF-8
  put_le(h, 0, 2);                // stored
  put_le(h, 0, 4);                // time, date
  put_le(h, e.crc32, 4);
  put_le(h, zip64 ? kMax32 : e.size, 4);
  put_le(h, zip64 ? kMax32 : e.size, 4);
  put_le(h, name.size(), 2);
  // Extra: zip64 sizes when needed, then padding (torch's "FB" field) up to the alignment.
  const std::uint64_t fixed = h.size() + 2 + name.size() + (zip64 ? 20 : 0);
  const std::uint64_t pad = (kAlignment - (offset_ + fixed + 4) % kAlignment) % kAlignment;
  put_le(h, (zip64 ? 20 : 0) + 4 + pad, 2);
  h.insert(h.end(), name.begin(), name.end());
  if (zip64) {
    put_le(h, kZip64ExtraId, 2), put_le(h, 16, 2), put_le(h, e.size, 8), put_le(h, e.size, 8);
  }
  put_le(h, 0x4246, 2), put_le(h, pad, 2);
  h.resize(h.size() + pad, 'Z');
  put(h);
  e.data_offset = offset_;
  write_(context_, data.data(), data.size());
  offset_ += data.size();
  written_.push_back(std::move(e));
}

void ZipWriter::finish() {
  const std::uint64_t cd_offset = offset_;
  std::vector<std::uint8_t> cd;
  for (const ZipEntry& e : written_) {
    const bool big_size = e.size >= kMax32, big_offset = e.header_offset >= kMax32;
    put_le(cd, kCentralSig, 4);
    put_le(cd, 45, 2), put_le(cd, big_size || big_offset ? 45 : 20, 2);
    put_le(cd, 0x800, 2), put_le(cd, 0, 2), put_le(cd, 0, 4);
    put_le(cd, e.crc32, 4);
    put_le(cd, big_size ? kMax32 : e.size, 4), put_le(cd, big_size ? kMax32 : e.size, 4);
    put_le(cd, e.name.size(), 2);
    put_le(cd, (big_size ? 16 : 0) + (big_offset ? 8 : 0) + (big_size || big_offset ? 4 : 0), 2);
    put_le(cd, 0, 2), put_le(cd, 0, 2), put_le(cd, 0, 2), put_le(cd, 0, 4);
    put_le(cd, big_offset ? kMax32 : e.header_offset, 4);
    cd.insert(cd.end(), e.name.begin(), e.name.end());
    if (big_size || big_offset) {
      put_le(cd, kZip64ExtraId, 2), put_le(cd, (big_size ? 16 : 0) + (big_offset ? 8 : 0), 2);
      if (big_size) put_le(cd, e.size, 8), put_le(cd, e.size, 8);
      if (big_offset) put_le(cd, e.header_offset, 8);
    }
  }
  put(cd);
  const std::uint64_t end64 = offset_, count = written_.size(), cd_size = cd.size();
  const bool zip64 = count >= 0xffff || cd_size >= kMax32 || cd_offset >= kMax32;
  std::vector<std::uint8_t> tail;
  if (zip64) {
    put_le(tail, kEnd64Sig, 4), put_le(tail, kEnd64Bytes - 12, 8), put_le(tail, 45, 2), put_le(tail, 45, 2);
    put_le(tail, 0, 4), put_le(tail, 0, 4), put_le(tail, count, 8), put_le(tail, count, 8);
    put_le(tail, cd_size, 8), put_le(tail, cd_offset, 8);
    put_le(tail, kEnd64LocatorSig, 4), put_le(tail, 0, 4), put_le(tail, end64, 8), put_le(tail, 1, 4);
  }
  put_le(tail, kEndSig, 4), put_le(tail, 0, 2), put_le(tail, 0, 2);
  put_le(tail, zip64 ? 0xffff : count, 2), put_le(tail, zip64 ? 0xffff : count, 2);
  put_le(tail, zip64 ? kMax32 : cd_size, 4), put_le(tail, zip64 ? kMax32 : cd_offset, 4);
  put_le(tail, 0, 2);
  put(tail);
}

}  // namespace tapegrad::io
