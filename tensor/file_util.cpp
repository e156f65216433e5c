#include "tensor/file_util.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "tensor/error.h"

namespace minidl {

void write_file_atomic(const std::string& path, std::string_view content) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  MINIDL_CHECK(f != nullptr, "write_file_atomic: cannot open ", tmp, ": ", std::strerror(errno));
  std::size_t written = content.empty() ? 0 : std::fwrite(content.data(), 1, content.size(), f);
  bool ok = written == content.size() && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    int err = errno;
    std::remove(tmp.c_str());
    MINIDL_FAIL("write_file_atomic: writing ", path, " failed: ", std::strerror(err));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    std::remove(tmp.c_str());
    MINIDL_FAIL("write_file_atomic: cannot rename ", tmp, " to ", path, ": ", std::strerror(err));
  }
}

std::string read_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  MINIDL_CHECK(f != nullptr, "read_file: cannot open ", path, ": ", std::strerror(errno));
  std::string out;
  char buf[1 << 16];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  bool failed = std::ferror(f) != 0;
  std::fclose(f);
  MINIDL_CHECK(!failed, "read_file: error reading ", path);
  return out;
}

}  // namespace minidl
