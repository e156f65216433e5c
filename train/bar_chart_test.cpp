// The bar chart PNG: a real PNG of the requested size, drawn without a display.
#include "train/bar_chart.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>

#include "tensor/error.h"
#include "tensor/file_util.h"
#include "train/train_test_util.h"

using namespace minidl;
using namespace minidl::train;
using minidl::train::test_support::TempDir;

namespace {

std::uint32_t be32(const std::string& s, std::size_t at) {
  return (std::uint32_t(std::uint8_t(s[at])) << 24) |
         (std::uint32_t(std::uint8_t(s[at + 1])) << 16) |
         (std::uint32_t(std::uint8_t(s[at + 2])) << 8) | std::uint32_t(std::uint8_t(s[at + 3]));
}

}  // namespace

TEST_CASE("bar_chart: grouped bars become a PNG of the requested size") {
  TempDir dir;
  const std::vector<std::string> methods = {"CE", "weighted CE", "focal", "SMOTE"};
  plot_bar_chart(
      methods,
      {{"macro-F1", {0.61, 0.72, 0.70, 0.69}},
       {"minority recall", {0.05, 0.55, std::nan(""), 0.41}}},
      dir.file("bars.png"),
      {.width = 900, .height = 420, .title = "test", .ylabel = "score", .ymin = 0, .ymax = 1});
  const std::string bytes = read_file(dir.file("bars.png"));
  REQUIRE(bytes.size() > 33);
  CHECK(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(bytes.substr(12, 4) == "IHDR");
  CHECK(be32(bytes, 16) == 900);
  CHECK(be32(bytes, 20) == 420);
  CHECK(bytes.size() > 8000);  // bars, text and a legend; a blank page is ~3 KB
  // Nothing but the PNG: the temporary file was renamed.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  CHECK(files == 1);
  // Automatic range, negative values, one series.
  plot_bar_chart({"a", "b"}, {{"delta", {-0.2, 0.5}}}, dir.file("auto.png"));
  CHECK(read_file(dir.file("auto.png")).substr(1, 3) == "PNG");
}

TEST_CASE("bar_chart: bad input is a clear error") {
  TempDir dir;
  CHECK_THROWS_WITH_AS(plot_bar_chart({"a"}, {{"s", {1, 2}}}, dir.file("x.png")),
                       doctest::Contains("bar_chart: series 's' has 2 values for 1 categories"),
                       Error);
  CHECK_THROWS_WITH_AS(plot_bar_chart({}, {{"s", {}}}, dir.file("x.png")),
                       doctest::Contains("bar_chart: no categories"), Error);
  CHECK_THROWS_WITH_AS(plot_bar_chart({"a"}, {{"s", {std::nan("")}}}, dir.file("x.png")),
                       doctest::Contains("bar_chart: no finite value"), Error);
  CHECK_THROWS_WITH_AS(plot_bar_chart({"a"}, {{"s", {1}}}, dir.file("no/such/dir/x.png")),
                       doctest::Contains("bar_chart: cannot write"), Error);
}
