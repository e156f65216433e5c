// COCO-style average precision (the algorithm, step by step, in metrics/detection.h).
//
// Cost: matching is O(D_i G_i) per image and class; the accumulation sorts each class's
// detections once, O(D log D). 5000 images of a few boxes each take milliseconds.
#include "metrics/detection.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numeric>

#include "tensor/error.h"

namespace minidl::metrics {
namespace {

constexpr int kThresholds = 10;
constexpr int kRecallPoints = 101;

struct Box {
  double x1, y1, x2, y2;
};

double iou(const Box& a, const Box& b) {
  const double w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  const double h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (w <= 0 || h <= 0) return 0.0;
  const double inter = w * h;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter);
}

std::vector<Box> read_boxes(const char* what, std::size_t image, const Tensor& t, std::int64_t n) {
  std::vector<Box> out;
  if (n == 0) return out;
  MINIDL_CHECK(
      t.defined() && t.dim() == 2 && t.shape()[0] == n && t.shape()[1] == 4 && t.dtype() != kInt64,
      "coco_evaluate: ", what, " boxes of image ", image, " must be float [", n, ", 4], got ",
      t.defined() ? shape_str(t.shape()) : "undefined");
  const std::vector<double> v = t.to_vector();
  for (std::int64_t i = 0; i < n; ++i)
    out.push_back({v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]});
  return out;
}

std::vector<std::int64_t> read_labels(const char* what, std::size_t image, const Tensor& t,
                                      std::int64_t num_classes) {
  if (!t.defined() || t.numel() == 0) return {};
  MINIDL_CHECK(t.dtype() == kInt64 && t.dim() == 1, "coco_evaluate: ", what, " labels of image ",
               image, " must be int64 [N]");
  std::vector<std::int64_t> v = t.values<std::int64_t>();
  for (std::int64_t c : v)
    MINIDL_CHECK(c >= 0 && c < num_classes, "coco_evaluate: ", what, " label ", c, " of image ",
                 image, " is outside [0, ", num_classes, ")");
  return v;
}

// numpy.linspace(.5, .95, 10), bit for bit: i * ((0.95 - 0.5) / 9) + 0.5, the last exactly 0.95.
double threshold(int i) {
  if (i == kThresholds - 1) return 0.95;
  return i * ((0.95 - 0.5) / (kThresholds - 1)) + 0.5;
}

// One image's detections of one class after matching.
struct Matched {
  std::vector<double> scores;                     // sorted descending, cut to max_detections
  std::vector<std::array<bool, kThresholds>> tp;  // per detection and threshold
};

}  // namespace

CocoResult coco_evaluate(const std::vector<Detections>& detections,
                         const std::vector<GroundTruth>& ground_truth, std::int64_t num_classes,
                         const CocoOptions& options) {
  MINIDL_CHECK(detections.size() == ground_truth.size(),
               "coco_evaluate: detections and ground truth differ in image count, ",
               detections.size(), " vs ", ground_truth.size());
  MINIDL_CHECK(num_classes >= 1, "coco_evaluate: num_classes must be >= 1, got ", num_classes);
  MINIDL_CHECK(options.max_detections >= 1, "coco_evaluate: max_detections must be >= 1, got ",
               options.max_detections);
  const auto k_classes = static_cast<std::size_t>(num_classes);
  // Per class: every image's matched detections in image order, and the ground truth count.
  std::vector<std::vector<Matched>> per_class(k_classes);
  std::vector<std::int64_t> gt_count(k_classes, 0);
  for (std::size_t img = 0; img < detections.size(); ++img) {
    const Detections& d = detections[img];
    const GroundTruth& g = ground_truth[img];
    const std::vector<std::int64_t> dl = read_labels("detection", img, d.labels, num_classes);
    const std::vector<std::int64_t> gl = read_labels("ground truth", img, g.labels, num_classes);
    const std::vector<Box> db = read_boxes("detection", img, d.boxes, std::ssize(dl));
    const std::vector<Box> gb = read_boxes("ground truth", img, g.boxes, std::ssize(gl));
    std::vector<double> ds;
    if (!dl.empty()) {
      MINIDL_CHECK(d.scores.defined() && d.scores.numel() == std::ssize(dl),
                   "coco_evaluate: scores of image ", img, " must be [", dl.size(), "]");
      ds = d.scores.to_vector();
    }
    for (std::int64_t c = 0; c < num_classes; ++c) {
      std::vector<std::size_t> dets, gts;
      for (std::size_t i = 0; i < dl.size(); ++i)
        if (dl[i] == c) dets.push_back(i);
      for (std::size_t i = 0; i < gl.size(); ++i)
        if (gl[i] == c) gts.push_back(i);
      gt_count[c] += std::ssize(gts);
      if (dets.empty()) continue;
      std::stable_sort(dets.begin(), dets.end(),
                       [&](std::size_t a, std::size_t b) { return ds[a] > ds[b]; });
      if (std::ssize(dets) > options.max_detections) dets.resize(options.max_detections);
      Matched m;
      m.tp.assign(dets.size(), {});
      for (std::size_t k = 0; k < dets.size(); ++k) m.scores.push_back(ds[dets[k]]);
      std::vector<double> ious(dets.size() * gts.size());
      for (std::size_t k = 0; k < dets.size(); ++k)
        for (std::size_t j = 0; j < gts.size(); ++j)
          ious[k * gts.size() + j] = iou(db[dets[k]], gb[gts[j]]);
      for (int t = 0; t < kThresholds; ++t) {
        std::vector<bool> taken(gts.size(), false);
        for (std::size_t k = 0; k < dets.size(); ++k) {
          double best = std::min(threshold(t), 1 - 1e-10);
          std::ptrdiff_t match = -1;
          for (std::size_t j = 0; j < gts.size(); ++j) {
            if (taken[j]) continue;
            const double v = ious[k * gts.size() + j];
            if (v < best) continue;
            best = v;
            match = static_cast<std::ptrdiff_t>(j);
          }
          if (match < 0) continue;
          taken[match] = true;
          m.tp[k][t] = true;
        }
      }
      per_class[c].push_back(std::move(m));
    }
  }

  CocoResult r;
  r.precision.assign(kThresholds, std::vector<std::vector<double>>(
                                      k_classes, std::vector<double>(kRecallPoints, -1.0)));
  r.per_class_ap.assign(k_classes, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t c = 0; c < k_classes; ++c) {
    if (gt_count[c] == 0) continue;
    // All detections of c: (score, image-major position), sorted by score, ties by position.
    std::vector<std::pair<double, const std::array<bool, kThresholds>*>> all;
    for (const Matched& m : per_class[c])
      for (std::size_t k = 0; k < m.scores.size(); ++k) all.push_back({m.scores[k], &m.tp[k]});
    std::stable_sort(all.begin(), all.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    const std::size_t nd = all.size();
    std::vector<double> rc(nd), pr(nd);
    double sum_ap = 0;
    for (int t = 0; t < kThresholds; ++t) {
      double tp = 0, fp = 0;
      for (std::size_t i = 0; i < nd; ++i) {
        ((*all[i].second)[t] ? tp : fp) += 1;
        rc[i] = tp / static_cast<double>(gt_count[c]);
        pr[i] = tp / (fp + tp + std::numeric_limits<double>::epsilon());
      }
      for (std::size_t i = nd; i-- > 1;)
        if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
      std::vector<double>& q = r.precision[t][c];
      std::size_t pos = 0;
      for (int ri = 0; ri < kRecallPoints; ++ri) {
        const double rthr = ri == kRecallPoints - 1 ? 1.0 : ri * 0.01;
        while (pos < nd && rc[pos] < rthr) ++pos;  // numpy.searchsorted(rc, r, 'left')
        q[ri] = pos < nd ? pr[pos] : 0.0;
        sum_ap += q[ri];
      }
    }
    r.per_class_ap[c] = sum_ap / (kThresholds * kRecallPoints);
  }
  auto mean_over = [&](int t0, int t1) {
    double s = 0;
    std::int64_t n = 0;
    for (int t = t0; t < t1; ++t)
      for (std::size_t c = 0; c < k_classes; ++c)
        for (double v : r.precision[t][c])
          if (v > -1) s += v, ++n;
    return n == 0 ? std::numeric_limits<double>::quiet_NaN() : s / static_cast<double>(n);
  };
  r.ap = mean_over(0, kThresholds);
  r.ap50 = mean_over(0, 1);
  r.ap75 = mean_over(5, 6);
  return r;
}

}  // namespace minidl::metrics
