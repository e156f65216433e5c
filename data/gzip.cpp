#include "data/gzip.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tensor/error.h"
#include "tensor/limits.h"

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

std::string read_all(ByteReader& in, std::size_t hint, std::uint64_t max_bytes) {
  std::string out;
  out.resize(std::min<std::uint64_t>(std::max<std::size_t>(hint, 1 << 16), max_bytes + 1));
  std::size_t produced = 0;
  for (;;) {
    produced += in.read(out.data() + produced, out.size() - produced);
    if (produced < out.size()) break;
    // A gzip bomb or a huge file: stop at the limit instead of growing until memory runs out.
    MINIDL_CHECK(produced <= max_bytes, "read: ", in.name(), ": more than max_bytes = ", max_bytes,
                 " bytes", in.gzipped() ? " after gunzip" : "",
                 " (raise the reader's max_bytes option if the file is right)");
    out.resize(std::min<std::uint64_t>(out.size() * 2, max_bytes + 1));
  }
  out.resize(produced);
  return out;
}

}  // namespace

// A plain file is read with pread as the reader asks (never mapped: a file truncated while mapped
// kills the process with SIGBUS on the next page touched; with pread it is a short read, reported
// as truncated data naming the file). Reads stop at the size seen at open, so a file that grows
// meanwhile reads as it was.
struct ByteReader::File {
  int fd = -1;
  std::uint64_t size = 0;    // at open
  std::uint64_t offset = 0;  // next byte to read
  std::string compressed;    // a gzip file's bytes, read whole (zlib wants them in memory)
  ~File() {
    if (fd >= 0) ::close(fd);
  }
  // Up to n bytes at offset into out; fewer only at the end (or if the file shrank).
  std::size_t pread_some(char* out, std::size_t n, std::uint64_t at, const std::string& name) {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t k = ::pread(fd, out + got, n - got, static_cast<off_t>(at + got));
      if (k < 0 && errno == EINTR) continue;
      MINIDL_CHECK(k >= 0, "read: ", name, ": read failed: ", std::strerror(errno));
      if (k == 0) break;
      got += static_cast<std::size_t>(k);
    }
    return got;
  }
};

struct ByteReader::Inflater {
  z_stream s{};
  bool ended = false;
  std::uint64_t produced = 0;
  ~Inflater() { inflateEnd(&s); }
};

ByteReader::ByteReader(const std::string& path) : name_(path), file_(std::make_unique<File>()) {
  file_->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  MINIDL_CHECK(file_->fd >= 0, "read: cannot open ", path, ": ", std::strerror(errno));
  struct stat st {};
  MINIDL_CHECK(::fstat(file_->fd, &st) == 0 && S_ISREG(st.st_mode), "read: ", path,
               " is not a regular file");
  file_->size = static_cast<std::uint64_t>(st.st_size);
  char magic[2] = {0, 0};
  const std::size_t got = file_->pread_some(magic, 2, 0, name_);
  if (is_gzip(std::string_view(magic, got))) {
    file_->compressed.resize(static_cast<std::size_t>(file_->size));
    file_->compressed.resize(
        file_->pread_some(file_->compressed.data(), file_->compressed.size(), 0, name_));
    data_ = file_->compressed;
  }
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
  if (!zip_ && file_) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(n, file_->size - file_->offset));
    const std::size_t k = file_->pread_some(dst, want, file_->offset, name_);
    file_->offset += k;
    return k;
  }
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
  if (!zip_ && file_) return file_->size - file_->offset;
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

std::string gunzip(std::string_view gz, const std::string& name, std::uint64_t max_bytes) {
  MINIDL_CHECK(is_gzip(gz), "gunzip: ", name, " is not gzip (no 0x1f 0x8b magic)");
  ByteReader in(gz, name);
  return read_all(in, size_hint(gz), max_bytes);
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

std::string read_file_maybe_gzip(const std::string& path, std::uint64_t max_bytes) {
  ByteReader in(path);
  return read_all(in, static_cast<std::size_t>(std::min(in.max_remaining(), max_bytes)), max_bytes);
}

}  // namespace minidl::data
