// One pass, O(n), no recursion and no allocation beyond the key list: a state machine that knows
// only strings (so brackets inside them do not count), containers and the top-level object's
// keys (a string at depth 1 of an object followed by ':').
#include "tensor/json_scan.h"

#include "tensor/error.h"

namespace minidl {

JsonScan scan_json(std::string_view text, const std::string& what, bool collect_keys,
                   std::size_t max_depth) {
  JsonScan out;
  std::size_t depth = 0;
  bool top_is_object = false;
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n; ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t start = i;
      for (++i; i < n && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;  // the escaped character, '"' included, is skipped
      if (i >= n) break;           // unterminated: the parser reports it
      if (collect_keys && depth == 1 && top_is_object) {
        std::size_t j = i + 1;
        while (j < n && (text[j] == ' ' || text[j] == '\t' || text[j] == '\n' || text[j] == '\r'))
          ++j;
        if (j < n && text[j] == ':')
          out.top_level_keys.push_back(text.substr(start, i + 1 - start));
      }
    } else if (c == '[' || c == '{') {
      ++depth;
      if (depth == 1) top_is_object = c == '{';
      MINIDL_CHECK(depth <= max_depth, what, ": JSON nested deeper than ", max_depth,
                   " levels (at byte ", i, ")");
      if (depth > out.max_depth) out.max_depth = depth;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return out;
}

}  // namespace minidl
