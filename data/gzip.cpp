#include "data/gzip.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tensor/error.h"

namespace minidl::data {
namespace {

// zlib counts in uInt (32 bits): feed and drain larger buffers in pieces of at most this.
constexpr std::size_t kMaxChunk = std::size_t{1} << 30;

// The ISIZE field of a gzip member's trailer: the uncompressed size mod 2^32, little-endian. Only
// a hint for an output buffer (wrong past 4 GiB or with several members), capped so a corrupt
// trailer cannot make us allocate gigabytes.
std::size_t size_hint(std::string_view gz) {
  if (gz.size() < 18) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(gz.data() + gz.size() - 4);
  const std::size_t isize = static_cast<std::size_t>(p[0]) | static_cast<std::size_t>(p[1]) << 8 |
                            static_cast<std::size_t>(p[2]) << 16 |
                            static_cast<std::size_t>(p[3]) << 24;
  return std::min(isize, gz.size() * 256);
}

std::string read_all(ByteReader& in, std::size_t hint) {
  std::string out;
  out.resize(std::max<std::size_t>(hint, 1 << 16));
  std::size_t produced = 0;
  for (;;) {
    produced += in.read(out.data() + produced, out.size() - produced);
    if (produced < out.size()) break;
    out.resize(out.size() * 2);
  }
  out.resize(produced);
  return out;
}

}  // namespace

struct ByteReader::Mapping {
  void* addr = nullptr;
  std::size_t size = 0;
  ~Mapping() {
    if (addr != nullptr) ::munmap(addr, size);
  }
};

struct ByteReader::Inflater {
  z_stream s{};
  bool ended = false;
  std::uint64_t produced = 0;
  ~Inflater() { inflateEnd(&s); }
};

ByteReader::ByteReader(const std::string& path) : name_(path), map_(std::make_unique<Mapping>()) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  MINIDL_CHECK(fd >= 0, "read: cannot open ", path, ": ", std::strerror(errno));
  struct stat st {};
  const bool is_file = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (is_file && st.st_size > 0) {
    map_->size = static_cast<std::size_t>(st.st_size);
    void* addr = ::mmap(nullptr, map_->size, PROT_READ, MAP_PRIVATE, fd, 0);
    map_->addr = addr == MAP_FAILED ? nullptr : addr;
  }
  const int err = errno;
  ::close(fd);
  MINIDL_CHECK(is_file, "read: ", path, " is not a regular file");
  MINIDL_CHECK(map_->addr != nullptr || map_->size == 0, "read: cannot map ", path, ": ",
               std::strerror(err));
  if (map_->addr != nullptr) ::madvise(map_->addr, map_->size, MADV_SEQUENTIAL);
  data_ = std::string_view(static_cast<const char*>(map_->addr), map_->size);
  init();
}

ByteReader::ByteReader(std::string_view bytes, std::string name)
    : name_(std::move(name)), data_(bytes) {
  init();
}

ByteReader::~ByteReader() = default;

void ByteReader::init() {
  if (!is_gzip(data_)) return;
  zip_ = std::make_unique<Inflater>();
  // 16 + MAX_WBITS: expect a gzip header and trailer (CRC-32 and size, checked by zlib).
  MINIDL_CHECK(inflateInit2(&zip_->s, 16 + MAX_WBITS) == Z_OK, "gunzip: ", name_,
               ": cannot initialise zlib");
}

std::size_t ByteReader::read(void* out, std::size_t n) {
  char* dst = static_cast<char*>(out);
  if (!zip_) {
    const std::size_t k = std::min(n, data_.size() - pos_);
    if (k > 0) std::memcpy(dst, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  Inflater& z = *zip_;
  std::size_t produced = 0;
  while (produced < n && !z.ended) {
    const std::size_t in_chunk = std::min(data_.size() - pos_, kMaxChunk);
    const std::size_t out_chunk = std::min(n - produced, kMaxChunk);
    z.s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data_.data() + pos_));
    z.s.avail_in = static_cast<uInt>(in_chunk);
    z.s.next_out = reinterpret_cast<Bytef*>(dst + produced);
    z.s.avail_out = static_cast<uInt>(out_chunk);
    const int rc = inflate(&z.s, Z_NO_FLUSH);
    pos_ += in_chunk - z.s.avail_in;
    produced += out_chunk - z.s.avail_out;
    z.produced += out_chunk - z.s.avail_out;
    if (rc == Z_STREAM_END) {
      if (pos_ == data_.size()) {
        z.ended = true;
        break;
      }
      // Another member may follow (gzip allows concatenation); anything else is garbage.
      MINIDL_CHECK(is_gzip(data_.substr(pos_)), "gunzip: ", name_, ": ", data_.size() - pos_,
                   " unexpected bytes after the end of the gzip stream (at compressed offset ",
                   pos_, ")");
      inflateReset(&z.s);
      continue;
    }
    MINIDL_CHECK(rc != Z_DATA_ERROR && rc != Z_NEED_DICT, "gunzip: ", name_,
                 ": corrupt gzip stream (", z.s.msg ? z.s.msg : "invalid data",
                 ") at compressed offset ", pos_, " of ", data_.size());
    MINIDL_CHECK(rc != Z_MEM_ERROR, "gunzip: ", name_, ": out of memory");
    // All input used, room left for output, and still no end of stream: the file was cut short.
    MINIDL_CHECK(pos_ < data_.size() || z.s.avail_out == 0, "gunzip: ", name_,
                 ": truncated gzip stream (it ends after ", data_.size(), " compressed bytes, ",
                 z.produced, " decompressed, without the end-of-stream marker and checksum)");
  }
  return produced;
}

std::uint64_t ByteReader::skip_rest() {
  char scratch[1 << 14];
  std::uint64_t total = 0;
  for (;;) {
    const std::size_t k = read(scratch, sizeof(scratch));
    total += k;
    if (k < sizeof(scratch)) return total;
  }
}

std::uint64_t ByteReader::max_remaining() const {
  const std::uint64_t left = data_.size() - pos_;
  if (!zip_) return left;
  // zlib's deflate expands at most 1032:1; a member's header and trailer add no output. Output
  // already inflated but not yet handed out does not exist here (read fills only the caller's
  // buffer), so the bound holds at any point.
  return zip_->ended ? 0 : left * 1032 + 64 * 1024;
}

bool is_gzip(std::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string gunzip(std::string_view gz, const std::string& name) {
  MINIDL_CHECK(is_gzip(gz), "gunzip: ", name, " is not gzip (no 0x1f 0x8b magic)");
  ByteReader in(gz, name);
  return read_all(in, size_hint(gz));
}

std::string gzip(std::string_view bytes, int level) {
  MINIDL_CHECK(level >= 1 && level <= 9, "gzip: level must be in 1..9, got ", level);
  z_stream s{};
  MINIDL_CHECK(deflateInit2(&s, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK,
               "gzip: cannot initialise zlib");
  std::string out;
  out.resize(deflateBound(&s, static_cast<uLong>(std::min(bytes.size(), kMaxChunk))) + 64);
  std::size_t produced = 0, consumed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (produced == out.size()) out.resize(out.size() * 2);
    const std::size_t in_chunk = std::min(bytes.size() - consumed, kMaxChunk);
    const std::size_t out_chunk = std::min(out.size() - produced, kMaxChunk);
    s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
    s.avail_in = static_cast<uInt>(in_chunk);
    s.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    s.avail_out = static_cast<uInt>(out_chunk);
    const bool last = consumed + in_chunk == bytes.size();
    rc = deflate(&s, last ? Z_FINISH : Z_NO_FLUSH);
    consumed += in_chunk - s.avail_in;
    produced += out_chunk - s.avail_out;
    if (rc == Z_STREAM_ERROR) {
      deflateEnd(&s);
      MINIDL_FAIL("gzip: zlib deflate failed");
    }
  }
  deflateEnd(&s);
  out.resize(produced);
  return out;
}

std::string read_file_maybe_gzip(const std::string& path) {
  ByteReader in(path);
  return read_all(in, 0);
}

}  // namespace minidl::data
