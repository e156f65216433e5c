// Tests for data/csv.cpp: parsing (header, label by name or index, quotes, comments, blank lines,
// CRLF, class names), gzip input, and the line/column errors.
#include "data/csv.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "data/gzip.h"
#include "tensor/file_util.h"

using namespace minidl;
using namespace minidl::data;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no minidl::Error thrown)";
}

#define CHECK_ERROR_HAS(expr, ...)                           \
  do {                                                       \
    const std::string msg = error_of([&] { (void)(expr); }); \
    for (const char* part : {__VA_ARGS__}) {                 \
      INFO("message: ", msg);                                \
      CHECK(msg.find(part) != std::string::npos);            \
    }                                                        \
  } while (0)

}  // namespace

TEST_CASE("csv: header, label column by name, features in column order") {
  const CsvTable t = parse_csv(
      "a,label,b\n"
      "1,0,2.5\n"
      "-3,2,4e1\n",
      {.label_column = "label"});
  CHECK(t.feature_names == std::vector<std::string>{"a", "b"});
  CHECK(t.label_name == "label");
  CHECK(t.features.shape() == Shape{2, 2});
  CHECK(t.features.dtype() == kFloat32);
  CHECK(t.features.to_vector() == std::vector<double>{1, 2.5, -3, 40});
  CHECK(t.labels.dtype() == kInt64);
  CHECK(t.labels.values<std::int64_t>() == std::vector<std::int64_t>{0, 2});
  CHECK(t.class_names.empty());
}

TEST_CASE("csv: quotes, comments, blank lines, spaces and CRLF") {
  const CsvTable t = parse_csv(
      "# a comment before the header\r\n"
      "\"x, first\", \"say \"\"y\"\"\" ,target\r\n"
      "\r\n"
      "  1.5 , \"2\" , +3\r\n"
      "   # an indented comment\n"
      "\n"
      "4,5,6",  // no final newline
      {.dtype = kFloat64});
  CHECK(t.feature_names == std::vector<std::string>{"x, first", "say \"y\""});
  CHECK(t.label_name == "target");  // label_index -1: the last column
  CHECK(t.features.dtype() == kFloat64);
  CHECK(t.features.to_vector() == std::vector<double>{1.5, 2, 4, 5});
  CHECK(t.labels.values<std::int64_t>() == std::vector<std::int64_t>{3, 6});
  // A quoted field may span lines; line numbers in later errors still count physical lines.
  const CsvTable q = parse_csv("\"multi\nline\",y\n1,0\n");
  CHECK(q.feature_names[0] == "multi\nline");
  CHECK_ERROR_HAS(parse_csv("\"multi\nline\",y\n1,0\nz,1\n", {}, "q.csv"),
                  "q.csv line 4, column 1");
}

TEST_CASE("csv: label by index, float targets, no label, no header, tab delimiter") {
  const std::string text = "y,f1,f2\n0.5,1,2\n1.25,3,4\n";
  const CsvTable f = parse_csv(text, {.label_index = 0, .label = LabelKind::kFloat});
  CHECK(f.label_name == "y");
  CHECK(f.labels.dtype() == kFloat32);
  CHECK(f.labels.to_vector() == std::vector<double>{0.5, 1.25});
  CHECK(f.features.to_vector() == std::vector<double>{1, 2, 3, 4});
  const CsvTable none = parse_csv(text, {.label = LabelKind::kNone});
  CHECK(none.features.shape() == Shape{2, 3});
  CHECK(!none.labels.defined());
  const CsvTable nh = parse_csv("1\t2\t0\n3\t4\t1\n", {.delimiter = '\t', .header = false});
  CHECK(nh.feature_names == std::vector<std::string>{"c0", "c1"});
  CHECK(nh.features.to_vector() == std::vector<double>{1, 2, 3, 4});
  CHECK(nh.labels.values<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  const CsvTable empty = parse_csv("a,b,y\n");
  CHECK(empty.features.shape() == Shape{0, 2});
  CHECK(empty.labels.shape() == Shape{0});
}

TEST_CASE("csv: class names map to ids in sorted order") {
  const CsvTable t = parse_csv("w,species\n1,virginica\n2,setosa\n3,versicolor\n4,setosa\n");
  CHECK(t.class_names == std::vector<std::string>{"setosa", "versicolor", "virginica"});
  CHECK(t.labels.values<std::int64_t>() == std::vector<std::int64_t>{2, 0, 1, 0});
}

TEST_CASE("csv: missing values read as NaN only when allowed") {
  const std::string text = "a,b,y\n1,,0\nNA,?,1\n";
  CHECK_ERROR_HAS(parse_csv(text, {}, "m.csv"), "m.csv line 2, column 2 ('b'): cannot parse ''");
  const CsvTable t = parse_csv(text, {.allow_missing = true});
  const std::vector<double> v = t.features.to_vector();
  CHECK(v[0] == 1);
  CHECK(std::isnan(v[1]));
  CHECK(std::isnan(v[2]));
  CHECK(std::isnan(v[3]));
}

TEST_CASE("csv: errors name the file, line and column") {
  CHECK_ERROR_HAS(parse_csv("a,b,y\n1,2,0\n\n# c\n3,abc,1\n", {}, "d.csv"),
                  "csv: d.csv line 5, column 2 ('b'): cannot parse 'abc' as a number");
  CHECK_ERROR_HAS(parse_csv("a,b,y\n1,2,0\n3,4\n", {}, "d.csv"),
                  "csv: d.csv line 3: 2 fields, expected 3 (as in the header on line 1)");
  CHECK_ERROR_HAS(parse_csv("a,b,y\n1,2,0,9\n", {}, "d.csv"), "line 2: 4 fields, expected 3");
  CHECK_ERROR_HAS(parse_csv("a,b,y\n1,\"2,0\n", {}, "d.csv"),
                  "d.csv line 2, column 2: unterminated quoted field");
  CHECK_ERROR_HAS(parse_csv("a,b,y\n1,\"2\"x,0\n", {}, "d.csv"),
                  "line 2, column 2: unexpected character 'x' after the closing quote");
  CHECK_ERROR_HAS(parse_csv("a,b,y\n1,2,0\n", {.label_column = "z"}, "d.csv"),
                  "no column named 'z' in the header on line 1");
  CHECK_ERROR_HAS(parse_csv("a,y\n1,0\n2,0.5\n", {}, "d.csv"),
                  "d.csv line 3: class label '0.5' is not an integer", "LabelKind::kFloat");
  CHECK_ERROR_HAS(parse_csv("a,y\n1,0\n2,cat\n", {}, "d.csv"),
                  "line 3: class label 'cat' is not a number while the first label ('0', line 2)");
  CHECK_ERROR_HAS(parse_csv("a,y\n1,0\n2,\n", {}, "d.csv"),
                  "line 3, column 2 ('y'): empty class label");
  CHECK_ERROR_HAS(parse_csv("a,y\n1,x\n", {.label = LabelKind::kFloat}, "d.csv"),
                  "line 2, column 2 ('y'): cannot parse 'x'");
  CHECK_ERROR_HAS(parse_csv("# only a comment\n\n", {}, "e.csv"), "e.csv: no rows");
  CHECK_ERROR_HAS(parse_csv("a,y\n", {.label_index = 5}, "d.csv"),
                  "label_index 5 out of range for 2 columns");
}

TEST_CASE("csv: read_csv reads plain and gzip files") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("minidl_csv_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string text = "a,y\n1,0\n2,1\n";
  write_file_atomic((dir / "t.csv").string(), text);
  write_file_atomic((dir / "t.csv.gz").string(), gzip(text));
  for (const char* name : {"t.csv", "t.csv.gz"}) {
    CAPTURE(name);
    const CsvTable t = read_csv((dir / name).string());
    CHECK(t.features.to_vector() == std::vector<double>{1, 2});
    CHECK(t.labels.values<std::int64_t>() == std::vector<std::int64_t>{0, 1});
  }
  CHECK_ERROR_HAS(read_csv((dir / "nope.csv").string()), "cannot open", "nope.csv");
  std::filesystem::remove_all(dir);
}
