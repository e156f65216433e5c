#include "train/box_plot.h"

#include <doctest/doctest.h>

#include <filesystem>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/train_test_util.h"

namespace minidl::train {
namespace {

TEST_CASE("plot_boxes: images with truth and predicted boxes make a PNG") {
  test_support::TempDir dir;
  const Tensor image = zeros({1, 32, 32});
  const BoxPanel a{.image = image,
                   .gt_boxes = tensor({{2, 3, 12, 20}}),
                   .gt_labels = from_vector(std::vector<std::int64_t>{1}, {1}),
                   .pred_boxes = tensor({{3, 3, 13, 19}, {20, 20, 30, 31}}),
                   .pred_labels = from_vector(std::vector<std::int64_t>{1, 0}, {2}),
                   .pred_scores = tensor({0.9, 0.3})};
  const BoxPanel b{.image = zeros({32, 32})};
  plot_boxes({a, b, a}, dir.file("boxes.png"),
             {.columns = 2, .panel_pixels = 128, .class_names = {"zero", "one"}, .title = "t"});
  CHECK(std::filesystem::file_size(dir.file("boxes.png")) > 1000);
  CHECK_THROWS_WITH_AS(plot_boxes({}, dir.file("x.png")),
                       doctest::Contains("plot_boxes: no panels"), Error);
  CHECK_THROWS_WITH_AS(
      plot_boxes({BoxPanel{.image = image, .gt_boxes = zeros({2, 3})}}, dir.file("x.png")),
      doctest::Contains("plot_boxes: boxes must be [N, 4], got [2,3]"), Error);
}

}  // namespace
}  // namespace minidl::train
