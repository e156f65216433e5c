// The CSV reader against hostile text (issue 14): nan/inf spellings used to read as numbers while
// NA was refused; CR-only line ends read as one header line with 0 rows; a 50 MB bad field made a
// 50-million-character message.
#include <doctest/doctest.h>

#include <cmath>

#include "data/csv.h"
#include "tensor/limits.h"

namespace minidl::data {
namespace {

std::string error_of(const std::string& text, const CsvOptions& o = {}) {
  try {
    parse_csv(text, o, "h.csv");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_CASE("csv: nan and inf spellings are missing values, refused unless allow_missing") {
  for (const char* v : {"nan", "NaN", "inf", "-inf", "+inf", "Infinity", "-Infinity", "INF"}) {
    CAPTURE(v);
    CHECK(error_of(std::string("a,y\n") + v + ",0\n") ==
          std::string("csv: h.csv line 2, column 1 ('a'): cannot parse '") + v +
              "' as a number (a missing value: set allow_missing)");
    const CsvTable t = parse_csv(std::string("a,y\n") + v + ",0\n", {.allow_missing = true});
    CHECK(std::isnan(t.features.to_vector()[0]));
  }
  CHECK(error_of("a,y\n1e999,0\n") ==
        "csv: h.csv line 2, column 1 ('a'): cannot parse '1e999' as a number");
  CHECK(error_of("a,y\n1,inf\n", {.label = LabelKind::kFloat}).find("cannot parse 'inf'") !=
        std::string::npos);
  CHECK(error_of("a,y\n1,0\n2,nan\n").find("class label 'nan' is not a number") !=
        std::string::npos);
}

TEST_CASE("csv: CR-only line ends read as lines; mixed ends too") {
  const CsvTable t = parse_csv("a,b,y\r1,2,0\r3,4,1\r");
  CHECK(t.features.shape() == Shape{2, 2});
  CHECK(t.labels.values<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  const CsvTable m = parse_csv("a,y\r\n1,0\r2,1\n3,0");
  CHECK(m.features.to_vector() == std::vector<double>{1, 2, 3});
  CHECK(error_of("a,b,y\r1,2\r") ==
        "csv: h.csv line 2: 2 fields, expected 3 (as in the header on line 1)");
}

TEST_CASE("csv: a huge field or line gives a short message naming the limit") {
  const std::string big(1 << 20, 'x');
  const std::string msg = error_of("a,y\n" + big + ",0\n");
  CHECK(msg.size() < limits::kMaxQuotedChars * 3);
  CHECK(msg.rfind("csv: h.csv line 2, column 1 ('a'): cannot parse 'xxx", 0) == 0);
  const std::string line(limits::kMaxCsvLineBytes + 10, '1');
  CHECK(error_of("a,y\n" + line + ",0\n") ==
        "csv: h.csv line 2 is longer than 16777216 bytes (limits::kMaxCsvLineBytes; not a CSV "
        "file, or a missing quote?)");
  CHECK(error_of("\"" + big + "\",y\n1,0\n1,1").find("fields, expected") == std::string::npos);
}

}  // namespace
}  // namespace minidl::data
