// Shared by the libFuzzer targets in tests/fuzz/ (built only with -DMINIDL_FUZZ=ON, see
// tests/fuzz/CMakeLists.txt and scripts/fuzz). The contract every target checks: a reader fed any
// bytes returns or throws minidl::Error. Any other exception escapes and libFuzzer reports it as a
// crash, like a sanitizer finding, a hang or a leak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tensor/error.h"
#include "tensor/parallel.h"

namespace minidl::fuzz {

inline std::string_view bytes_of(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// One thread: the fuzzers measure the readers, not the pool, and a crash replays exactly.
inline void init_once() {
  static const bool done = [] {
    set_num_threads(1);
    return true;
  }();
  (void)done;
}

template <typename F>
void expect_error_or_success(F&& f) {
  try {
    f();
  } catch (const Error&) {
  }
}

}  // namespace minidl::fuzz
