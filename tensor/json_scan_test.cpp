// scan_json: the depth limit (brackets inside strings do not count), the top-level keys with
// escaped quotes, and clip() on long messages.
#include "tensor/json_scan.h"

#include <doctest/doctest.h>

#include "tensor/error.h"

namespace minidl {
namespace {

TEST_CASE("json scan: depth and top-level keys; brackets and quotes inside strings do not count") {
  const std::string text = R"({"a": [1, {"b": 2}], "q\"[{": "x]]", "c" : {}})";
  const JsonScan s = scan_json(text, "test", true);
  CHECK(s.max_depth == 3);
  REQUIRE(s.top_level_keys.size() == 3);
  CHECK(s.top_level_keys[0] == "\"a\"");
  CHECK(s.top_level_keys[1] == R"("q\"[{")");
  CHECK(s.top_level_keys[2] == "\"c\"");
  CHECK(scan_json("[\"k\": 1]", "test", true).top_level_keys.empty());  // not an object
}

TEST_CASE("json scan: nesting past the limit is an error naming the limit and the byte") {
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK_THROWS_WITH_AS(scan_json(deep, "loss eval"),
                       "loss eval: JSON nested deeper than 64 levels (at byte 64)", Error);
  const std::string ok = std::string(64, '{') + std::string(64, '}');
  CHECK(scan_json(ok, "x").max_depth == 64);
  CHECK(scan_json("\"" + std::string(1000, '[') + "\"", "x").max_depth == 0);
  CHECK(scan_json("]]]}}[", "x").max_depth == 1);  // malformed text is the parser's to report
}

TEST_CASE("error: a long message is cut in the middle to a readable length") {
  const std::string field(50'000'000, 'x');
  try {
    MINIDL_FAIL("csv: bad field '", field, "' at line 3");
    FAIL("no throw");
  } catch (const Error& e) {
    const std::string what = e.what();
    CHECK(what.size() <= limits::kMaxMessageChars + 40);
    CHECK(what.rfind("csv: bad field 'xxx", 0) == 0);
    CHECK(what.find("chars cut]") != std::string::npos);
    CHECK(what.substr(what.size() - 11) == "' at line 3");
  }
  CHECK(clip("short") == "short");
  CHECK(clip(std::string(1000, 'y')).size() < limits::kMaxQuotedChars + 40);
}

}  // namespace
}  // namespace minidl
