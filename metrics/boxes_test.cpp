#include "metrics/boxes.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "metrics/nms.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl::metrics {
namespace {

using nlohmann::json;

Tensor from_spec(const json& s) {
  Shape shape = s.at("shape").get<Shape>();
  const std::string dt = s.at("dtype");
  if (dt == "int64") return from_vector(s.at("data").get<std::vector<std::int64_t>>(), shape);
  std::vector<double> v;
  for (const json& x : s.at("data")) v.push_back(x.is_null() ? NAN : x.get<double>());
  return from_vector(v, shape).to(dt == "float32" ? kFloat32 : kFloat64);
}

const json& fixture() {
  static const json doc = [] {
    std::ifstream in(std::string(MINIDL_FIXTURE_DIR) + "/boxes.json");
    return json::parse(in);
  }();
  return doc;
}

// Runs every fixture case of `op` through `fn`; returns the number of cases.
template <typename F>
int run_cases(const std::string& op, F fn) {
  int n = 0;
  for (const json& c : fixture().at("cases")) {
    if (c.at("op") != op) continue;
    ++n;
    const Tensor expected = from_spec(c.at("output"));
    const Tensor actual = fn(c.at("inputs"), c.at("params"));
    CAPTURE(op);
    CAPTURE(c.at("params").dump());
    REQUIRE(actual.dtype() == expected.dtype());
    if (expected.dtype() == kInt64) {
      CHECK(actual.shape() == expected.shape());
      CHECK(actual.to_vector() == expected.to_vector());
    } else {
      // NaN (0 / 0 for two empty boxes) on both sides counts as equal.
      const std::vector<double> a = actual.to_vector(), e = expected.to_vector();
      REQUIRE(a.size() == e.size());
      const double rtol = expected.dtype() == kFloat32 ? 1e-6 : 1e-12;
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::isnan(e[i])) {
          CHECK(std::isnan(a[i]));
          continue;
        }
        CHECK(std::abs(a[i] - e[i]) <= 1e-12 + rtol * std::abs(e[i]));
      }
    }
  }
  return n;
}

Tensor in(const json& inputs, const char* name) { return from_spec(inputs.at(name)); }

TEST_CASE("boxes: area, iou, giou, convert, clip and remove_small_boxes match torchvision") {
  CHECK(run_cases("box_area",
                  [](const json& i, const json&) { return box_area(in(i, "boxes")); }) == 2);
  CHECK(run_cases("box_iou", [](const json& i, const json&) {
          return box_iou(in(i, "boxes1"), in(i, "boxes2"));
        }) == 4);
  CHECK(run_cases("generalized_box_iou", [](const json& i, const json&) {
          return generalized_box_iou(in(i, "boxes1"), in(i, "boxes2"));
        }) == 4);
  CHECK(run_cases("box_convert", [](const json& i, const json& p) {
          return box_convert(in(i, "boxes"), p.at("in_fmt").get<std::string>(),
                             p.at("out_fmt").get<std::string>());
        }) == 18);
  CHECK(run_cases("clip_boxes_to_image", [](const json& i, const json& p) {
          return clip_boxes_to_image(in(i, "boxes"), p.at("size")[0], p.at("size")[1]);
        }) == 2);
  CHECK(run_cases("remove_small_boxes", [](const json& i, const json& p) {
          return remove_small_boxes(in(i, "boxes"), p.at("min_size"));
        }) == 8);
}

TEST_CASE("boxes: the coder's encode and decode match torchvision's BoxCoder, clamp included") {
  auto coder = [](const json& p) {
    const auto w = p.at("weights").get<std::vector<double>>();
    return BoxCoder{.weights = {w[0], w[1], w[2], w[3]},
                    .bbox_xform_clip = p.at("bbox_xform_clip")};
  };
  CHECK(run_cases("encode", [&](const json& i, const json& p) {
          return coder(p).encode(in(i, "target_boxes"), in(i, "reference_boxes"));
        }) == 2);
  CHECK(run_cases("decode", [&](const json& i, const json& p) {
          return coder(p).decode(in(i, "deltas"), in(i, "reference_boxes"));
        }) == 2);
}

TEST_CASE("boxes: decode(encode(g, r), r) gives g back") {
  const Tensor r = tensor({{0, 0, 4, 2}, {1, 1, 3, 5}}, kFloat64);
  const Tensor g = tensor({{1, 0.5, 2, 3}, {0, 0, 10, 10}}, kFloat64);
  const BoxCoder c{.weights = {10, 10, 5, 5}};
  CHECK_TENSOR_CLOSE(c.decode(c.encode(g, r), r), g, 1e-12, 1e-12);
}

TEST_CASE("boxes: the blocked IoU kernel equals the naive reference on awkward shapes") {
  Generator gen(3);
  for (std::int64_t n : {1, 15, 17, 300}) {
    for (std::int64_t m : {1, 16, 33, 2500}) {
      Tensor xy = rand({n, 2}, gen, kFloat64), wh = rand({n, 2}, gen, kFloat64);
      const Tensor a = concat({xy, add(xy, mul(wh, 0.3))}, 1);
      xy = rand({m, 2}, gen, kFloat64), wh = rand({m, 2}, gen, kFloat64);
      const Tensor b = concat({xy, add(xy, mul(wh, 0.3))}, 1);
      CHECK(testing::bitwise_equal(box_iou(a, b), box_iou_reference(a, b)));
    }
  }
}

TEST_CASE("boxes: mean_iou averages the diagonal") {
  const Tensor p = tensor({{0, 0, 2, 2}, {0, 0, 1, 1}}, kFloat64);
  const Tensor t = tensor({{1, 0, 3, 2}, {0, 0, 1, 1}}, kFloat64);
  CHECK(mean_iou(p, t) == doctest::Approx((1.0 / 3 + 1) / 2));
}

TEST_CASE("boxes: errors name the op and the values") {
  CHECK_THROWS_WITH_AS(box_iou(zeros({3, 3}), zeros({2, 4})),
                       doctest::Contains("box_iou: boxes1 must be [N, 4], got [3,3]"), Error);
  CHECK_THROWS_WITH_AS(box_area(zeros({3, 4}, kInt64)),
                       doctest::Contains("box_area: boxes must be float32 or float64, got int64"),
                       Error);
  CHECK_THROWS_WITH_AS(box_convert(zeros({1, 4}), "xyxy", "yxyx"),
                       doctest::Contains("box_convert: unknown format 'yxyx'"), Error);
  const BoxCoder c;
  CHECK_THROWS_WITH_AS(c.encode(tensor({{0, 0, 0, 1}}), tensor({{0, 0, 1, 1}})),
                       doctest::Contains("BoxCoder::encode: boxes need a positive width"), Error);
  CHECK_THROWS_WITH_AS(c.decode(zeros({1, 4}), tensor({{2, 0, 1, 1}})),
                       doctest::Contains("BoxCoder::decode: reference_boxes box 0 has x2 < x1"),
                       Error);
}

TEST_CASE("nms: nms and batched_nms match torchvision, ties and exact thresholds included") {
  CHECK(run_cases("nms", [](const json& i, const json& p) {
          return nms(in(i, "boxes"), in(i, "scores"), p.at("iou_threshold"));
        }) == 14);
  CHECK(run_cases("batched_nms", [](const json& i, const json& p) {
          return batched_nms(in(i, "boxes"), in(i, "scores"), in(i, "idxs"), p.at("iou_threshold"));
        }) == 4);
}

TEST_CASE("nms: the vectorised kernel equals the naive reference") {
  Generator gen(5);
  for (std::int64_t n : {1, 2, 17, 40, 500}) {
    for (double thr : {0.0, 0.3, 0.7}) {
      const Tensor xy = mul(rand({n, 2}, gen, kFloat64), 10.0);
      const Tensor boxes = concat({xy, add(xy, mul(rand({n, 2}, gen, kFloat64), 4.0))}, 1);
      const Tensor scores = floor(mul(rand({n}, gen, kFloat64), 5.0));
      CHECK(nms(boxes, scores, thr).to_vector() == nms_reference(boxes, scores, thr).to_vector());
    }
  }
}

TEST_CASE("nms: errors name the op") {
  CHECK_THROWS_WITH_AS(nms(zeros({3, 4}), zeros({2}), 0.5),
                       doctest::Contains("nms: scores must be [N] with N = 3, got [2]"), Error);
  CHECK_THROWS_WITH_AS(batched_nms(zeros({2, 4}), zeros({2}), zeros({2}), 0.5),
                       doctest::Contains("batched_nms: idxs must be int64 [N]"), Error);
}

}  // namespace
}  // namespace minidl::metrics
