// Files people keep (graphs, logs, checkpoints, reports) are written atomically: into a temporary
// file beside the target, flushed, then renamed over it, so a crash never leaves half a file.
#pragma once

#include <string>
#include <string_view>

namespace minidl {

void write_file_atomic(const std::string& path, std::string_view content);
// Whole file as bytes; a missing or unreadable file is a minidl::Error naming the path.
std::string read_file(const std::string& path);

}  // namespace minidl
