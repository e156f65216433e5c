// minidl::Error and MINIDL_CHECK: every user mistake (a shape, a range, an empty input, a bad file)
// becomes an exception whose message names the op and the values involved, e.g.
//   matmul: inner dims differ, a [4,3] vs b [5,2]
// Library code never asserts on input, never exits, never aborts.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace minidl {

namespace limits {
// Characters of one error message, and of an untrusted value quoted in one (the other input
// limits are in tensor/limits.h; these two sit here so that every file can use them).
constexpr std::size_t kMaxMessageChars = 4096;
constexpr std::size_t kMaxQuotedChars = 200;
}  // namespace limits

// s cut to at most about max characters: its head and tail with "...[N chars cut]..." between,
// so a 50 MB bad CSV field or JSON value quoted in a message stays readable. Used for every
// untrusted value put into a message, and by Error itself on the whole message.
std::string clip(std::string_view s, std::size_t max = limits::kMaxQuotedChars);

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what)
      : std::runtime_error(clip(what, limits::kMaxMessageChars)) {}
};

namespace detail {
template <typename... Args>
std::string concat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}
}  // namespace detail

}  // namespace minidl

// MINIDL_CHECK(cond, "op: message ", value, ...): throws minidl::Error with the streamed message.
#define MINIDL_CHECK(cond, ...)                                                \
  do {                                                                         \
    if (!(cond)) throw ::minidl::Error(::minidl::detail::concat(__VA_ARGS__)); \
  } while (0)
#define MINIDL_FAIL(...) throw ::minidl::Error(::minidl::detail::concat(__VA_ARGS__))
