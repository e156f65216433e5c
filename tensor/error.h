// minidl::Error and MINIDL_CHECK: every user mistake (a shape, a range, an empty input, a bad file)
// becomes an exception whose message names the op and the values involved, e.g.
//   matmul: inner dims differ, a [4,3] vs b [5,2]
// Library code never asserts on input, never exits, never aborts.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace minidl {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
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
