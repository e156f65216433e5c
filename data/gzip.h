// Reading bytes from files that may be gzip'd: the IDX and CSV readers accept .gz files, and
// write_idx can write them (so tests build their own corrupt fixtures without linking zlib).
//
// Whether data is gzip is decided by its first two bytes (0x1f 0x8b), not by a file name. Files
// are read with pread (never mapped: a file truncated while mapped raised SIGBUS) and gunzipped on
// the fly into the caller's buffer, so a reader can convert each piece while the next one
// inflates, without holding the whole decompressed file. Whole-file helpers stop at max_bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tensor/limits.h"

namespace minidl::data {

// True when bytes start with the gzip magic 0x1f 0x8b.
bool is_gzip(std::string_view bytes);

// Sequential reader over a file or a memory block, gunzipping when it is gzip (concatenated
// members too, as gunzip does). Errors name the file: a corrupt stream or checksum, a stream cut
// short, or non-gzip bytes after the last member.
class ByteReader {
 public:
  // Opens the file (a gzip file is read whole, a plain one piece by piece as asked); a missing or
  // unreadable file is an error naming the path.
  explicit ByteReader(const std::string& path);
  // Reads `bytes` (not copied: it must outlive the reader); `name` stands for it in errors.
  ByteReader(std::string_view bytes, std::string name);
  ~ByteReader();
  ByteReader(const ByteReader&) = delete;
  ByteReader& operator=(const ByteReader&) = delete;

  // Up to n (decompressed) bytes into out; fewer only at the end of the data.
  std::size_t read(void* out, std::size_t n);
  // Reads to the end and returns how many bytes were left.
  std::uint64_t skip_rest();
  // An upper bound on the bytes left: exact for plain data; for gzip, deflate's maximum ratio
  // (1032:1) times the compressed bytes left. Lets a reader refuse an impossible size from a
  // corrupt header before allocating for it.
  std::uint64_t max_remaining() const;
  const std::string& name() const { return name_; }
  bool gzipped() const { return zip_ != nullptr; }

 private:
  struct File;
  struct Inflater;
  void init();
  std::string name_;
  std::unique_ptr<File> file_;
  std::string_view data_;  // the whole (compressed) input
  std::size_t pos_ = 0;    // plain: bytes consumed
  std::unique_ptr<Inflater> zip_;
};

// Whole-buffer helpers.
std::string gunzip(std::string_view compressed, const std::string& name,
                   std::uint64_t max_bytes = limits::kDefaultMaxBytes);
std::string gzip(std::string_view bytes, int level = 6);  // level 1..9; 6 is gzip's default
// The whole file, gunzipped when it is gzip.
std::string read_file_maybe_gzip(const std::string& path,
                                 std::uint64_t max_bytes = limits::kDefaultMaxBytes);

}  // namespace minidl::data
