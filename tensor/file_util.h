// Files people keep (graphs, logs, checkpoints, reports) are written atomically: into a temporary
// file beside the target, flushed, then renamed over it, so a crash never leaves half a file.
//
// What "atomic" promises here, for any number of threads and processes writing one path while
// others read it:
//   - every temporary is unique (mkstemp in the target's directory, so rename never crosses a file
//     system), so two saves never share one and a reader only ever sees a whole file, the old or
//     one of the new ones (the last rename wins);
//   - a path that is a symlink is written through: the link stays, its target is replaced;
//   - an existing target keeps its permission bits (a 0600 file stays 0600); a new one gets
//     0666 & ~umask, as fopen would give it;
//   - the file is fsynced before the rename and its directory after, so after a crash the name
//     holds the old or the new content, never an empty file.
#pragma once

#include <string>
#include <string_view>

namespace minidl {

void write_file_atomic(const std::string& path, std::string_view content);
// Whole file as bytes; a missing or unreadable file is a minidl::Error naming the path.
std::string read_file(const std::string& path);

// For writers that need a file name to write to (PLplot renders into a path): a unique temporary
// beside the target (`suffix` kept at the end of its name, e.g. ".png"), removed on destruction
// unless commit() renamed it over the target with the guarantees above. `op` prefixes errors.
class AtomicFile {
 public:
  AtomicFile(const std::string& path, std::string_view op, const std::string& suffix = "");
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& temp_path() const { return temp_; }
  int fd() const { return fd_; }  // open for writing until commit()
  // fsyncs the temporary, gives it the target's mode, renames it over the target (through a
  // symlink) and fsyncs the directory.
  void commit();

 private:
  std::string op_, path_, target_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace minidl
