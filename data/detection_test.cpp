#include "data/detection.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "tensor/error.h"
#include "tests/test_util.h"

namespace minidl::data {
namespace {

// Items: 28x28 with a filled rectangle whose size depends on the label, so boxes are known.
struct Items {
  Tensor images, labels;
};
Items rect_items() {
  std::vector<float> px(5 * 28 * 28, 0.0f);
  std::vector<std::int64_t> labels;
  for (int k = 0; k < 5; ++k) {
    for (int i = 4; i < 20 + k; ++i)
      for (int j = 6; j < 18 + k; ++j) px[k * 784 + i * 28 + j] = 1.0f;
    labels.push_back(k);
  }
  return {from_vector(px, {5, 1, 28, 28}), from_vector(labels, {5})};
}

double iou(const std::vector<double>& a, const std::vector<double>& b) {
  const double w = std::max(0.0, std::min(a[2], b[2]) - std::max(a[0], b[0]));
  const double h = std::max(0.0, std::min(a[3], b[3]) - std::max(a[1], b[1]));
  return w * h / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h);
}

TEST_CASE("detection set: a single object's box is the tight bounds of its pixels") {
  const Items it = rect_items();
  const DetectionSet set = make_detection_set(it.images, it.labels,
                                              {.num_images = 20,
                                               .canvas = 48,
                                               .min_items = 1,
                                               .max_items = 1,
                                               .min_scale = 0.5,
                                               .max_scale = 1.5,
                                               .seed = 3});
  REQUIRE(set.size() == 20);
  const Tensor boxes = single_boxes(set);
  for (std::int64_t n = 0; n < 20; ++n) {
    const float* c = set.images.data<float>() + n * 48 * 48;
    double x1 = 48, y1 = 48, x2 = 0, y2 = 0;
    for (int i = 0; i < 48; ++i)
      for (int j = 0; j < 48; ++j)
        if (c[i * 48 + j] > kInkThreshold) {
          x1 = std::min<double>(x1, j), x2 = std::max<double>(x2, j + 1);
          y1 = std::min<double>(y1, i), y2 = std::max<double>(y2, i + 1);
        }
    CAPTURE(n);
    CHECK(boxes.at(4 * n) == x1);
    CHECK(boxes.at(4 * n + 1) == y1);
    CHECK(boxes.at(4 * n + 2) == x2);
    CHECK(boxes.at(4 * n + 3) == y2);
    CHECK(set.labels[n].shape()[0] == 1);
  }
}

TEST_CASE("detection set: counts, bounded overlap, boxes inside, the same set for a seed") {
  const Items it = rect_items();
  const DetectionSetOptions o{.num_images = 40,
                              .canvas = 64,
                              .min_items = 1,
                              .max_items = 4,
                              .max_overlap = 0.1,
                              .seed = 9};
  const DetectionSet a = make_detection_set(it.images, it.labels, o);
  const DetectionSet b = make_detection_set(it.images, it.labels, o);
  CHECK(testing::bitwise_equal(a.images, b.images));
  std::int64_t multi = 0;
  for (std::int64_t n = 0; n < a.size(); ++n) {
    const std::int64_t k = a.boxes[n].shape()[0];
    CHECK(k >= 1);
    CHECK(k <= 4);
    multi += k > 1;
    CHECK(a.labels[n].shape()[0] == k);
    const std::vector<double> v = a.boxes[n].to_vector();
    for (std::int64_t i = 0; i < k; ++i) {
      const std::vector<double> bi(v.begin() + 4 * i, v.begin() + 4 * i + 4);
      CHECK(bi[0] >= 0);
      CHECK(bi[1] >= 0);
      CHECK(bi[2] <= 64);
      CHECK(bi[3] <= 64);
      CHECK(bi[2] > bi[0]);
      for (std::int64_t j = 0; j < i; ++j)
        CHECK(iou(bi, std::vector<double>(v.begin() + 4 * j, v.begin() + 4 * j + 4)) <= 0.1);
    }
  }
  CHECK(multi > 10);
  const DetectionSet c = make_detection_set(it.images, it.labels, {.num_images = 40, .seed = 10});
  CHECK(!testing::bitwise_equal(a.images, c.images));
}

TEST_CASE("detection set: the mirrored set's boxes are the tight bounds of its mirrored pixels") {
  const Items it = rect_items();
  const DetectionSet set = make_detection_set(
      it.images, it.labels, {.num_images = 12, .canvas = 48, .max_items = 3, .seed = 4});
  const DetectionSet m = mirror_detection_set(set);
  REQUIRE(m.size() == 12);
  for (std::int64_t n = 0; n < 12; ++n) {
    CAPTURE(n);
    const float* a = set.images.data<float>() + n * 48 * 48;
    const float* b = m.images.data<float>() + n * 48 * 48;
    bool mirrored = true;
    for (int i = 0; i < 48; ++i)
      for (int j = 0; j < 48; ++j) mirrored = mirrored && a[i * 48 + j] == b[i * 48 + 47 - j];
    CHECK(mirrored);
    CHECK(testing::bitwise_equal(m.labels[n], set.labels[n]));
    const std::vector<double> v = set.boxes[n].to_vector(), w = m.boxes[n].to_vector();
    REQUIRE(w.size() == v.size());
    for (std::size_t g = 0; g < v.size(); g += 4) {
      CHECK(w[g] == 48 - v[g + 2]);
      CHECK(w[g + 1] == v[g + 1]);
      CHECK(w[g + 2] == 48 - v[g]);
      CHECK(w[g + 3] == v[g + 3]);
    }
  }
  // A single item's mirrored box is the tight bounds of the mirrored canvas's ink.
  const DetectionSet one = mirror_detection_set(make_detection_set(
      it.images, it.labels, {.num_images = 1, .canvas = 40, .max_items = 1, .seed = 2}));
  double x1 = 40, x2 = 0;
  for (int i = 0; i < 40; ++i)
    for (int j = 0; j < 40; ++j)
      if (one.images.data<float>()[i * 40 + j] > kInkThreshold)
        x1 = std::min<double>(x1, j), x2 = std::max<double>(x2, j + 1);
  CHECK(one.boxes[0].at(0) == x1);
  CHECK(one.boxes[0].at(2) == x2);
  CHECK_THROWS_WITH_AS(mirror_detection_set(DetectionSet{}),
                       doctest::Contains("mirror_detection_set: need images"), Error);
}

TEST_CASE("detection set: errors name the option") {
  const Items it = rect_items();
  CHECK_THROWS_WITH_AS(make_detection_set(it.images, it.labels, {.canvas = 20}),
                       doctest::Contains("does not fit the canvas of side 20"), Error);
  CHECK_THROWS_WITH_AS(make_detection_set(it.images, it.labels, {.min_items = 3, .max_items = 2}),
                       doctest::Contains("need 1 <= min_items <= max_items"), Error);
  CHECK_THROWS_WITH_AS(make_detection_set(zeros({2, 5}), it.labels, {}),
                       doctest::Contains("items must be float32 [M, 1, 28, 28]"), Error);
}

}  // namespace
}  // namespace minidl::data
