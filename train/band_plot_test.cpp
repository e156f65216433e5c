// plot_band_panels (train/band_plot.h): a PNG is written atomically for several panels and bands,
// errors name the problem. (plot_band itself is exercised by the uncertainty and bandit examples.)
#include "train/band_plot.h"

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

}  // namespace

TEST_CASE("band_plot: panels of bands become one PNG; errors name the problem") {
  const std::string path =
      (std::filesystem::temp_directory_path() / "minidl_band_panels_test.png").string();
  std::filesystem::remove(path);
  NamedBand a{"ppo", {0, 1, 2}, {1, 2, 3}, {0.5, 1.5, 2.5}, {1.5, 2.5, 3.5}};
  NamedBand b{"a2c", {0, 2}, {0, 1}, {0, 0.5}, {0, 1.5}};
  NamedBand one{"vpg", {1}, {2}, {2}, {2}};
  plot_band_panels({{.title = "CartPole", .bands = {a, b}, .target = 2.5},
                    {.title = "Acrobot", .bands = {b, one}}},
                   path);
  CHECK(is_png(path));
  CHECK(std::filesystem::file_size(path) > 1000);
  std::filesystem::remove(path);
  CHECK_THROWS_WITH_AS(plot_band_panels({}, path), doctest::Contains("needs 1 to 8 panels"), Error);
  CHECK_THROWS_WITH_AS(plot_band_panels({{.title = "empty"}}, path),
                       doctest::Contains("panel 'empty' has no bands"), Error);
  NamedBand bad = a;
  bad.x = {2, 1, 0};
  CHECK_THROWS_WITH_AS(plot_band_panels({{.bands = {bad}}}, path),
                       doctest::Contains("x must be increasing"), Error);
  CHECK_FALSE(std::filesystem::exists(path));
}

}  // namespace minidl::train
