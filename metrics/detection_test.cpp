#include "metrics/detection.h"

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tensor/error.h"

namespace minidl::metrics {
namespace {

using nlohmann::json;

Tensor boxes_of(const json& rows) {
  std::vector<double> v;
  for (const json& r : rows)
    for (const json& x : r) v.push_back(x.get<double>());
  return from_vector(v, {static_cast<std::int64_t>(rows.size()), 4});
}

Tensor labels_of(const json& l) {
  const auto v = l.get<std::vector<std::int64_t>>();
  return from_vector(v, {static_cast<std::int64_t>(v.size())});
}

void check_value(const json& expected, double actual) {
  if (expected.is_null()) {
    CHECK(std::isnan(actual));
  } else {
    CHECK(actual == doctest::Approx(expected.get<double>()).epsilon(1e-12));
  }
}

TEST_CASE("coco ap: agrees with the independent Python implementation on every fixture case") {
  std::ifstream in(std::string(MINIDL_FIXTURE_DIR) + "/detection_ap.json");
  const json doc = json::parse(in);
  int cases = 0;
  for (const json& c : doc.at("cases")) {
    CAPTURE(c.at("name").get<std::string>());
    std::vector<Detections> dets;
    std::vector<GroundTruth> gts;
    for (const json& im : c.at("images")) {
      const auto scores = im.at("dt_scores").get<std::vector<double>>();
      dets.push_back({boxes_of(im.at("dt_boxes")),
                      from_vector(scores, {static_cast<std::int64_t>(scores.size())}),
                      labels_of(im.at("dt_labels"))});
      gts.push_back({boxes_of(im.at("gt_boxes")), labels_of(im.at("gt_labels"))});
    }
    const CocoResult r =
        coco_evaluate(dets, gts, c.at("num_classes"), {.max_detections = c.at("max_detections")});
    const json& e = c.at("expected");
    check_value(e.at("ap"), r.ap);
    check_value(e.at("ap50"), r.ap50);
    check_value(e.at("ap75"), r.ap75);
    REQUIRE(r.per_class_ap.size() == e.at("per_class_ap").size());
    for (std::size_t k = 0; k < r.per_class_ap.size(); ++k)
      check_value(e.at("per_class_ap")[k], r.per_class_ap[k]);
    ++cases;
  }
  CHECK(cases >= 9);
}

TEST_CASE("coco ap: perfect detections give 1, no detections give 0") {
  const Tensor g = tensor({{0, 0, 10, 10}, {20, 20, 30, 35}}, kFloat64);
  const Tensor l = from_vector(std::vector<std::int64_t>{0, 1}, {2});
  const CocoResult perfect = coco_evaluate({{g, tensor({0.9, 0.8}), l}}, {{g, l}}, 2);
  CHECK(perfect.ap == doctest::Approx(1.0));
  CHECK(perfect.ap50 == doctest::Approx(1.0));
  const CocoResult none = coco_evaluate({{}}, {{g, l}}, 3);
  CHECK(none.ap == 0.0);
  CHECK(std::isnan(none.per_class_ap[2]));  // no ground truth of class 2
}

TEST_CASE("coco ap: errors name the problem") {
  const Tensor g = tensor({{0, 0, 10, 10}}, kFloat64);
  const Tensor l = from_vector(std::vector<std::int64_t>{5}, {1});
  CHECK_THROWS_WITH_AS(coco_evaluate({{}}, {{g, l}}, 3),
                       doctest::Contains("coco_evaluate: ground truth label 5 of image 0"), Error);
  CHECK_THROWS_WITH_AS(coco_evaluate({{}, {}}, {{}}, 3),
                       doctest::Contains("differ in image count, 2 vs 1"), Error);
}

}  // namespace
}  // namespace minidl::metrics
