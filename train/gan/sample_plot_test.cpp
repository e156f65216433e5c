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

}  // namespace
}  // namespace minidl::train::gan
