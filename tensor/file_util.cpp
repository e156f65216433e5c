// Atomic writes: why each step is there.
//   mkstemp       a per-call unique name: with "path.tmp.<pid>" two threads of one process shared
//                 the temporary, so one renamed the other's half-written file or found it gone.
//   symlinks      rename() replaces the name it is given; to keep a link we rename over the
//                 link's final target instead (resolved hop by hop, relative links from their
//                 own directory, so a dangling link creates its target).
//   mode          mkstemp creates 0600; we set the old file's mode, or 0666 & ~umask for a new
//                 file. The umask is read from /proc/self/status: umask(2) can only be read by
//                 setting it, which would race with other threads creating files.
//   fsync         the data before the rename (else a crash may leave the new name on an empty
//                 file), the directory after (else the rename itself may be lost).
#include "tensor/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tensor/error.h"

namespace minidl {
namespace {

namespace fs = std::filesystem;

// Linux's own limit on symlink hops (ELOOP past it).
constexpr int kMaxSymlinkHops = 40;

std::string resolve_symlinks(const std::string& path, std::string_view op) {
  fs::path p = path;
  for (int hop = 0;; ++hop) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p.string();
    MINIDL_CHECK(hop < kMaxSymlinkHops, op, ": too many levels of symbolic links at ", path);
    std::error_code ec;
    const fs::path next = fs::read_symlink(p, ec);
    MINIDL_CHECK(!ec, op, ": cannot read the symbolic link ", p.string(), ": ", ec.message());
    p = next.is_absolute() ? next : p.parent_path() / next;
  }
}

mode_t process_umask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Umask:", 0) == 0)
      return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
  return 022;
}

}  // namespace

AtomicFile::AtomicFile(const std::string& path, std::string_view op, const std::string& suffix)
    : op_(op), path_(path), target_(resolve_symlinks(path, op)) {
  const fs::path target(target_);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string tmpl = (dir / ("." + target.filename().string() + ".tmp.XXXXXX" + suffix)).string();
  fd_ = ::mkostemps(tmpl.data(), static_cast<int>(suffix.size()), O_CLOEXEC);
  MINIDL_CHECK(fd_ >= 0, op_, ": cannot write ", path_, ": cannot open a temporary file in ",
               dir.string(), ": ", std::strerror(errno));
  temp_ = tmpl;
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::commit() {
  struct stat st {};
  const mode_t mode =
      ::stat(target_.c_str(), &st) == 0 ? (st.st_mode & 07777) : (0666 & ~process_umask());
  bool ok = ::fchmod(fd_, mode) == 0 && ::fsync(fd_) == 0;
  int err = errno;
  ok = ::close(fd_) == 0 && ok;
  fd_ = -1;
  if (!ok) {
    err = err != 0 ? err : errno;
    MINIDL_FAIL(op_, ": writing ", path_, " failed: ", std::strerror(err));
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    err = errno;
    MINIDL_FAIL(op_, ": cannot rename ", temp_, " to ", target_, ": ", std::strerror(err));
  }
  committed_ = true;
  const fs::path parent = fs::path(target_).parent_path();
  const int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {  // some file systems refuse a directory fsync; the data is already safe there
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomic(const std::string& path, std::string_view content) {
  AtomicFile file(path, "write_file_atomic");
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(file.fd(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    MINIDL_CHECK(n > 0, "write_file_atomic: writing ", path, " failed: ", std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
  file.commit();
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
