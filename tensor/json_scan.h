// A linear pre-scan of untrusted JSON text, run before nlohmann parses it:
//   depth  the nesting of '[' and '{' must stay within limits::kMaxJsonDepth, because
//          nlohmann's dump() recurses (a 100k-deep value quoted in a message overflowed the stack)
//   keys   the raw spans ("..." with quotes, escapes undecoded) of the top-level object's keys, so
//          a reader can find duplicate names after a plain parse (nlohmann keeps the last one
//          silently, and its callback parser, the other way to see keys, is quadratic)
// It does not validate: malformed text passes through to the parser, which reports it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/limits.h"

namespace minidl {

struct JsonScan {
  std::size_t max_depth = 0;
  std::vector<std::string_view> top_level_keys;  // views into the scanned text
};

// Throws minidl::Error "<what>: JSON nested deeper than <max_depth> levels (at byte N)".
JsonScan scan_json(std::string_view text, const std::string& what, bool collect_keys = false,
                   std::size_t max_depth = limits::kMaxJsonDepth);

}  // namespace minidl
