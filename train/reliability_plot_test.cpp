// plot_reliability: a PNG for a few models' calibration curves; errors name the problem.
#include "train/reliability_plot.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tensor/error.h"

namespace minidl::train {
namespace {

bool is_png(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[8] = {};
  f.read(magic, 8);
  return f.good() && std::string(magic + 1, 3) == "PNG";
}

TEST_CASE("reliability_plot: curves become one PNG; errors name the problem") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "minidl_reliability_test.png").string();
  std::filesystem::remove(path);
  const Tensor p = from_vector(std::vector<double>{0.9, 0.1, 0.3, 0.7, 0.6, 0.4, 0.2, 0.8}, {4, 2});
  const Tensor y = from_vector(std::vector<std::int64_t>{0, 1, 1, 1});
  const metrics::Calibration cal = metrics::calibration(p, y, 10);
  plot_reliability({{"model a", cal}, {"model b", metrics::calibration(p, y, 5)}}, path,
                   {.title = "test"});
  CHECK(is_png(path));
  CHECK(std::filesystem::file_size(path) > 1000);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(plot_reliability({}, path),
                       doctest::Contains("reliability_plot: needs 1 to 6 curves, got 0"), Error);
  metrics::Calibration empty = cal;
  for (auto& bin : empty.bins) bin.count = 0;
  CHECK_THROWS_WITH_AS(plot_reliability({{"none", empty}}, path),
                       doctest::Contains("curve 'none' has no non-empty bin"), Error);
  CHECK_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace minidl::train
