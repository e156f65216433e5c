// The curves PNG: a real PNG of the requested size, drawn without a display.
#include "train/plot.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>

#include "tensor/file_util.h"
#include "train/metric_log.h"
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

// Checks the 8-byte PNG signature and the IHDR chunk's size; returns the file size.
std::size_t check_png(const std::string& path, std::uint32_t width, std::uint32_t height) {
  const std::string bytes = read_file(path);
  REQUIRE(bytes.size() > 33);
  CHECK(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  CHECK(bytes.substr(12, 4) == "IHDR");
  CHECK(be32(bytes, 16) == width);
  CHECK(be32(bytes, 20) == height);
  return bytes.size();
}

std::vector<Logs> curves(int epochs, bool with_accuracy) {
  std::vector<Logs> rows;
  for (int e = 0; e < epochs; ++e) {
    Logs r{{"epoch", e}, {"loss", 1.0 / (e + 1)}, {"val_loss", 1.2 / (e + 1) + 0.05}};
    if (with_accuracy) {
      r["accuracy"] = 1.0 - 0.5 / (e + 1);
      r["val_accuracy"] = 0.95 - 0.5 / (e + 1);
    }
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

TEST_CASE("plot: a metric log becomes a PNG of the requested size") {
  TempDir dir;
  write_metric_log(dir.file("log.jsonl"), curves(8, true));
  plot_metric_log(dir.file("log.jsonl"), dir.file("curves.png"),
                  {.width = 900, .height = 400, .title = "test"});
  // Two panels of text, axes and curves compress to well over a few KB; a blank page is ~3 KB.
  CHECK(check_png(dir.file("curves.png"), 900, 400) > 8000);
  // Nothing but the log and the PNG: the temporary file was renamed.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  CHECK(files == 2);
}

TEST_CASE("plot: a loss-only log, one epoch and gaps still plot") {
  TempDir dir;
  plot_curves(curves(5, false), dir.file("loss.png"));
  check_png(dir.file("loss.png"), 1200, 480);
  plot_curves(curves(1, true), dir.file("one.png"));
  check_png(dir.file("one.png"), 1200, 480);
  std::vector<Logs> gaps = curves(6, true);
  gaps[2]["val_loss"] = std::nan("");
  gaps[3].erase("accuracy");
  plot_curves(gaps, dir.file("gaps.png"));
  check_png(dir.file("gaps.png"), 1200, 480);
}

TEST_CASE("plot: nothing to plot or nowhere to write is a clear error") {
  TempDir dir;
  CHECK_THROWS_WITH(plot_curves({{{"epoch", 0}, {"accuracy", 0.5}}}, dir.file("x.png")),
                    doctest::Contains("no finite \"loss\" or \"val_loss\""));
  CHECK_THROWS_WITH(plot_curves(curves(3, true), dir.file("no/such/dir/x.png")),
                    doctest::Contains("cannot write"));
  CHECK_THROWS_WITH(plot_curves(curves(3, true), dir.file("x.png"), {.width = 10}),
                    doctest::Contains("size must be within"));
  write_metric_log(dir.file("empty.jsonl"), {});
  CHECK_THROWS_WITH(plot_metric_log(dir.file("empty.jsonl"), dir.file("x.png")),
                    doctest::Contains("has no rows"));
}
