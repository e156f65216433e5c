// The generated detection set (recipe in data/detection.h).
#include "data/detection.h"

#include <algorithm>
#include <cmath>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::data {
namespace {

constexpr std::int64_t kItem = 28;
constexpr int kPlacementTries = 100;

struct Box {
  double x1, y1, x2, y2;
};

double iou(const Box& a, const Box& b) {
  const double w = std::max(0.0, std::min(a.x2, b.x2) - std::max(a.x1, b.x1));
  const double h = std::max(0.0, std::min(a.y2, b.y2) - std::max(a.y1, b.y1));
  const double inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

// The item resized to s x s, bilinear with half-pixel centres (align_corners = false).
std::vector<float> resize(const float* src, std::int64_t s) {
  std::vector<float> out(static_cast<std::size_t>(s * s));
  const double scale = static_cast<double>(kItem) / static_cast<double>(s);
  for (std::int64_t i = 0; i < s; ++i) {
    const double fy = std::clamp((i + 0.5) * scale - 0.5, 0.0, double(kItem - 1));
    const auto y0 = static_cast<std::int64_t>(fy);
    const std::int64_t y1 = std::min(y0 + 1, kItem - 1);
    const double wy = fy - y0;
    for (std::int64_t j = 0; j < s; ++j) {
      const double fx = std::clamp((j + 0.5) * scale - 0.5, 0.0, double(kItem - 1));
      const auto x0 = static_cast<std::int64_t>(fx);
      const std::int64_t x1 = std::min(x0 + 1, kItem - 1);
      const double wx = fx - x0;
      const double top = src[y0 * kItem + x0] * (1 - wx) + src[y0 * kItem + x1] * wx;
      const double bottom = src[y1 * kItem + x0] * (1 - wx) + src[y1 * kItem + x1] * wx;
      out[i * s + j] = static_cast<float>(top * (1 - wy) + bottom * wy);
    }
  }
  return out;
}

}  // namespace

std::int64_t DetectionSet::num_objects() const {
  std::int64_t n = 0;
  for (const Tensor& b : boxes) n += b.shape()[0];
  return n;
}

DetectionSet make_detection_set(const Tensor& items, const Tensor& item_labels,
                                const DetectionSetOptions& o) {
  constexpr const char* kOp = "make_detection_set";
  MINIDL_CHECK(items.defined() && items.dtype() == kFloat32 && items.numel() > 0 &&
                   items.numel() % (kItem * kItem) == 0,
               kOp, ": items must be float32 [M, 1, 28, 28] or [M, 784], got ",
               items.defined() ? shape_str(items.shape()) : "undefined");
  const std::int64_t m = items.numel() / (kItem * kItem);
  MINIDL_CHECK(item_labels.defined() && item_labels.dtype() == kInt64 && item_labels.numel() == m,
               kOp, ": item_labels must be int64 [", m, "]");
  MINIDL_CHECK(o.num_images >= 1, kOp, ": num_images must be >= 1, got ", o.num_images);
  MINIDL_CHECK(o.min_items >= 1 && o.max_items >= o.min_items, kOp,
               ": need 1 <= min_items <= max_items, got ", o.min_items, ", ", o.max_items);
  MINIDL_CHECK(o.min_scale > 0 && o.max_scale >= o.min_scale, kOp,
               ": need 0 < min_scale <= max_scale, got ", o.min_scale, ", ", o.max_scale);
  MINIDL_CHECK(std::lround(kItem * o.max_scale) <= o.canvas, kOp, ": an item of side ",
               std::lround(kItem * o.max_scale), " does not fit the canvas of side ", o.canvas);
  MINIDL_CHECK(o.max_overlap >= 0 && o.max_overlap <= 1, kOp,
               ": max_overlap must be in [0, 1], got ", o.max_overlap);

  const std::int64_t s = o.canvas;
  DetectionSet set;
  set.images = zeros({o.num_images, 1, s, s});
  float* canvas_all = set.images.data<float>();
  const float* src = items.data<float>();
  const std::int64_t* lab = item_labels.data<std::int64_t>();
  Generator gen(o.seed);
  for (std::int64_t n = 0; n < o.num_images; ++n) {
    float* canvas = canvas_all + n * s * s;
    const std::int64_t k =
        o.min_items + static_cast<std::int64_t>(gen.uniform() * (o.max_items - o.min_items + 1));
    std::vector<Box> placed;
    std::vector<float> box_values;
    std::vector<std::int64_t> labels;
    for (std::int64_t obj = 0; obj < k; ++obj) {
      const auto item = static_cast<std::int64_t>(gen.uniform() * m);
      const double u = o.min_scale + gen.uniform() * (o.max_scale - o.min_scale);
      const std::int64_t side = std::max<std::int64_t>(2, std::lround(kItem * u));
      const std::vector<float> pix = resize(src + item * kItem * kItem, side);
      // The tight bounds inside the resized item.
      std::int64_t bx1 = side, by1 = side, bx2 = -1, by2 = -1;
      for (std::int64_t i = 0; i < side; ++i)
        for (std::int64_t j = 0; j < side; ++j)
          if (pix[i * side + j] > kInkThreshold) {
            bx1 = std::min(bx1, j), bx2 = std::max(bx2, j);
            by1 = std::min(by1, i), by2 = std::max(by2, i);
          }
      if (bx2 < 0) continue;  // a blank item (none in Fashion-MNIST)
      bool fits = false;
      Box box{};
      std::int64_t ox = 0, oy = 0;
      for (int t = 0; t < kPlacementTries && !fits; ++t) {
        // The item's square may stick out of the canvas; its tight box may not.
        const std::int64_t lo_x = -bx1, hi_x = s - 1 - bx2, lo_y = -by1, hi_y = s - 1 - by2;
        ox = lo_x + static_cast<std::int64_t>(gen.uniform() * (hi_x - lo_x + 1));
        oy = lo_y + static_cast<std::int64_t>(gen.uniform() * (hi_y - lo_y + 1));
        box = {double(ox + bx1), double(oy + by1), double(ox + bx2 + 1), double(oy + by2 + 1)};
        fits = true;
        for (const Box& p : placed) fits = fits && iou(box, p) <= o.max_overlap;
      }
      if (!fits) continue;
      for (std::int64_t i = 0; i < side; ++i) {
        for (std::int64_t j = 0; j < side; ++j) {
          const std::int64_t y = oy + i, x = ox + j;
          if (y < 0 || y >= s || x < 0 || x >= s) continue;
          float& c = canvas[y * s + x];
          c = std::max(c, pix[i * side + j]);
        }
      }
      placed.push_back(box);
      for (double v : {box.x1, box.y1, box.x2, box.y2}) box_values.push_back(static_cast<float>(v));
      labels.push_back(lab[item]);
    }
    const auto count = static_cast<std::int64_t>(labels.size());
    set.boxes.push_back(from_vector(box_values, {count, 4}));
    set.labels.push_back(from_vector(labels, {count}));
  }
  return set;
}

DetectionSet mirror_detection_set(const DetectionSet& set) {
  MINIDL_CHECK(set.images.defined() && set.images.dim() == 4 &&
                   set.images.shape()[2] == set.images.shape()[3] &&
                   static_cast<std::int64_t>(set.boxes.size()) == set.size() &&
                   set.labels.size() == set.boxes.size(),
               "mirror_detection_set: need images [N, C, S, S] with N boxes and labels, got ",
               set.images.defined() ? shape_str(set.images.shape()) : "no images", ", ",
               set.boxes.size(), " boxes, ", set.labels.size(), " labels");
  const double s = static_cast<double>(set.images.shape()[3]);
  DetectionSet out{.images = flip(set.images, {3}), .boxes = {}, .labels = set.labels};
  for (const Tensor& b : set.boxes) {
    std::vector<float> v;
    const std::vector<double> x = b.to_vector();
    for (std::size_t g = 0; g + 3 < x.size(); g += 4)
      for (double c : {s - x[g + 2], x[g + 1], s - x[g], x[g + 3]})
        v.push_back(static_cast<float>(c));
    out.boxes.push_back(from_vector(v, b.shape()));
  }
  return out;
}

Tensor single_boxes(const DetectionSet& set) {
  std::vector<float> v;
  for (std::size_t i = 0; i < set.boxes.size(); ++i) {
    MINIDL_CHECK(set.boxes[i].shape()[0] == 1, "single_boxes: canvas ", i, " has ",
                 set.boxes[i].shape()[0], " boxes, not 1");
    for (double x : set.boxes[i].to_vector()) v.push_back(static_cast<float>(x));
  }
  return from_vector(v, {static_cast<std::int64_t>(set.boxes.size()), 4});
}

}  // namespace minidl::data
