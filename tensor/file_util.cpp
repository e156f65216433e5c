#include "tensor/file_util.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

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
  std::ifstream in(path, std::ios::binary);
  MINIDL_CHECK(in.good(), "read_file: cannot open ", path, ": ", std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  MINIDL_CHECK(!in.bad(), "read_file: error reading ", path);
  return ss.str();
}

}  // namespace minidl
