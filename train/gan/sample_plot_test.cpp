#include "train/gan/sample_plot.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "data/toy2d.h"
#include "metrics/mode_coverage.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/train_test_util.h"

namespace minidl::train::gan {
namespace {

TEST_CASE("gan toys: the real ring and grid cover every mode with ~100% high-quality samples") {
  for (data::Toy2d toy : {data::Toy2d::kRing8, data::Toy2d::kGrid25}) {
    Generator gen(1);
    const metrics::ModeCoverage m =
        metrics::mode_coverage(data::sample_toy2d(toy, 2000, gen), data::toy2d_modes(toy));
    CHECK(m.modes_covered == m.modes_total);
    CHECK(m.high_quality > 0.99);  // 5 std: all but ~4e-6 of a 2-D Gaussian's mass
  }
  // A collapsed generator: every sample at one mode.
  const Tensor one = full({2000, 2}, 0.0);
  CHECK(metrics::mode_coverage(one, data::toy2d_modes(data::Toy2d::kGrid25)).modes_covered == 1);
}

TEST_CASE("plot_samples: panels with samples, centres and a critic field make a PNG") {
  test_support::TempDir dir;
  Generator gen(2);
  const SamplePlotOptions o{.columns = 2, .panel_pixels = 200, .title = "test"};
  const Tensor grid = critic_grid(o, 11, 9);
  CHECK(grid.shape() == Shape{99, 2});
  CHECK(grid.at(0) == -3.0f);
  CHECK(grid.at(197) == 3.0f);
  const Tensor field = sum(square(grid), {1}).reshape({9, 11});
  Panel a{.real = data::sample_toy2d(data::Toy2d::kRing8, 300, gen),
          .fake = randn({300, 2}, gen),
          .centres = data::toy2d_modes(data::Toy2d::kRing8),
          .title = "ring",
          .critic = field};
  Panel b{.fake = full({10, 2}, NAN), .title = "diverged"};
  plot_samples({a, b, a}, dir.file("s.png"), o);
  CHECK(std::filesystem::file_size(dir.file("s.png")) > 1000);
  CHECK_THROWS_WITH_AS(plot_samples({Panel{.fake = zeros({3, 3})}}, dir.file("t.png")),
                       doctest::Contains("plot_samples: fake must be [N, 2]"), Error);
  CHECK_THROWS_WITH_AS(plot_samples({}, dir.file("t.png")),
                       doctest::Contains("plot_samples: no panels"), Error);
}

TEST_CASE("image_grid: images laid out row by row with padding at low, values clamped") {
  // Three 2x3 images, two per row: grid [2 (2 + 1) + 1, 2 (3 + 1) + 1] = [7, 9].
  Tensor imgs = arange(0, 18, 1, kFloat64).reshape({3, 1, 2, 3});
  mul_(imgs, 0.1);  // image k holds 0.6 k + 0.1 (3 i + j)
  const Tensor g = image_grid(imgs, {.columns = 2, .padding = 1, .low = 0, .high = 1.5});
  REQUIRE(g.shape() == Shape{7, 9});
  const auto at = [&](int r, int c) { return g.data<double>()[r * 9 + c]; };
  CHECK(at(0, 0) == 0.0);                   // padding
  CHECK(at(1, 1) == doctest::Approx(0.0));  // image 0, pixel (0, 0)
  CHECK(at(2, 3) == doctest::Approx(0.5));  // image 0, pixel (1, 2)
  CHECK(at(1, 5) == doctest::Approx(0.6));  // image 1, pixel (0, 0)
  CHECK(at(2, 7) == doctest::Approx(1.1));  // image 1, pixel (1, 2)
  CHECK(at(4, 1) == doctest::Approx(1.2));  // image 2 starts the second row
  CHECK(at(5, 3) == doctest::Approx(1.5));  // 1.7 clamped to high
  CHECK(at(4, 5) == 0.0);                   // the empty cell
  CHECK(at(1, 4) == 0.0);                   // padding between images
  test_support::TempDir dir;
  plot_image_grid(imgs, dir.file("g.png"), {.columns = 2, .low = 0, .high = 1.5, .title = "t"});
  CHECK(std::filesystem::file_size(dir.file("g.png")) > 100);
  CHECK_THROWS_WITH_AS(image_grid(zeros({2, 3, 4, 4})),
                       doctest::Contains("image_grid: images must be [N, 1, H, W]"), Error);
  CHECK_THROWS_WITH_AS(image_grid(zeros({2, 4, 4}), {.high = -1}), doctest::Contains("high > low"),
                       Error);
}

}  // namespace
}  // namespace minidl::train::gan
