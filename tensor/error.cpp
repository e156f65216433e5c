// clip(): why a message is cut in the middle rather than at the end: the head names the op and
// the file, the tail often holds the position or the expected value; both matter to the reader.
#include "tensor/error.h"

namespace minidl {

std::string clip(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  const std::size_t head = max * 2 / 3, tail = max / 3;
  std::string out;
  out.reserve(head + tail + 40);
  out.append(s.substr(0, head));
  out += "...[" + std::to_string(s.size() - head - tail) + " chars cut]...";
  out.append(s.substr(s.size() - tail));
  return out;
}

}  // namespace minidl
