// Non-maximum suppression (conventions in metrics/nms.h).
#include "metrics/nms.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <numeric>
#include <vector>

#include "tensor/error.h"

namespace minidl::metrics {
namespace {

constexpr std::int64_t kLanes = 16;

void check_inputs(const char* op, const Tensor& boxes, const Tensor& scores) {
  MINIDL_CHECK(boxes.defined() && boxes.dim() == 2 && boxes.shape()[1] == 4, op,
               ": boxes must be [N, 4], got ",
               boxes.defined() ? shape_str(boxes.shape()) : "undefined");
  MINIDL_CHECK(boxes.dtype() == kFloat32 || boxes.dtype() == kFloat64, op,
               ": boxes must be float32 or float64, got ", dtype_name(boxes.dtype()));
  MINIDL_CHECK(scores.defined() && scores.dim() == 1 && scores.shape()[0] == boxes.shape()[0], op,
               ": scores must be [N] with N = ", boxes.shape()[0], ", got ",
               scores.defined() ? shape_str(scores.shape()) : "undefined");
  MINIDL_CHECK(scores.dtype() != kInt64, op, ": scores must be floating point");
}

// Indices by score descending, ties in input order.
std::vector<std::int64_t> order_by_score(const Tensor& scores) {
  const std::vector<double> s = scores.to_vector();
  std::vector<std::int64_t> order(s.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::int64_t a, std::int64_t b) { return s[a] > s[b]; });
  return order;
}

template <typename T>
std::vector<std::int64_t> nms_sorted(const T* b, const std::vector<std::int64_t>& order,
                                     T threshold) {
  const std::int64_t n = static_cast<std::int64_t>(order.size());
  std::vector<T> x1(n), y1(n), x2(n), y2(n), area(n);
  for (std::int64_t k = 0; k < n; ++k) {
    const T* p = b + 4 * order[k];
    x1[k] = p[0], y1[k] = p[1], x2[k] = p[2], y2[k] = p[3];
    area[k] = (p[2] - p[0]) * (p[3] - p[1]);
  }
  std::vector<std::uint8_t> suppressed(static_cast<std::size_t>(n), 0);
  std::vector<std::int64_t> keep;
  for (std::int64_t i = 0; i < n; ++i) {
    if (suppressed[i]) continue;
    keep.push_back(order[i]);
    const T ix1 = x1[i], iy1 = y1[i], ix2 = x2[i], iy2 = y2[i], iarea = area[i];
    auto over = [&](std::int64_t j) -> std::uint8_t {
      const T w = std::min(ix2, x2[j]) - std::max(ix1, x1[j]);
      const T h = std::min(iy2, y2[j]) - std::max(iy1, y1[j]);
      const T inter = (w < T(0) ? T(0) : w) * (h < T(0) ? T(0) : h);
      const T ovr = inter / (iarea + area[j] - inter);
      return ovr > threshold ? 1 : 0;
    };
    std::int64_t j = i + 1;
    for (; j < n && (j % kLanes) != 0; ++j) suppressed[j] |= over(j);
    for (; j + kLanes <= n; j += kLanes)
      for (std::int64_t l = 0; l < kLanes; ++l) suppressed[j + l] |= over(j + l);
    for (; j < n; ++j) suppressed[j] |= over(j);
  }
  return keep;
}

Tensor as_tensor(const std::vector<std::int64_t>& v) {
  return from_vector(v, {static_cast<std::int64_t>(v.size())});
}

}  // namespace

Tensor nms(const Tensor& boxes, const Tensor& scores, double iou_threshold) {
  check_inputs("nms", boxes, scores);
  const std::vector<std::int64_t> order = order_by_score(scores);
  if (boxes.dtype() == kFloat32)
    return as_tensor(nms_sorted(boxes.data<float>(), order, static_cast<float>(iou_threshold)));
  return as_tensor(nms_sorted(boxes.data<double>(), order, iou_threshold));
}

Tensor batched_nms(const Tensor& boxes, const Tensor& scores, const Tensor& idxs,
                   double iou_threshold) {
  check_inputs("batched_nms", boxes, scores);
  MINIDL_CHECK(idxs.defined() && idxs.dtype() == kInt64 && idxs.dim() == 1 &&
                   idxs.shape()[0] == boxes.shape()[0],
               "batched_nms: idxs must be int64 [N] with N = ", boxes.shape()[0]);
  const std::vector<std::int64_t> order = order_by_score(scores);
  const std::int64_t* cat = idxs.data<std::int64_t>();
  // One stable partition by category keeps each category's score order.
  std::map<std::int64_t, std::vector<std::int64_t>> groups;
  for (std::int64_t i : order) groups[cat[i]].push_back(i);
  std::vector<std::uint8_t> kept(order.size(), 0);
  for (const auto& [c, members] : groups) {
    const std::vector<std::int64_t> k =
        boxes.dtype() == kFloat32
            ? nms_sorted(boxes.data<float>(), members, static_cast<float>(iou_threshold))
            : nms_sorted(boxes.data<double>(), members, iou_threshold);
    for (std::int64_t i : k) kept[i] = 1;
  }
  std::vector<std::int64_t> keep;
  for (std::int64_t i : order)
    if (kept[i]) keep.push_back(i);
  return as_tensor(keep);
}

Tensor nms_reference(const Tensor& boxes, const Tensor& scores, double iou_threshold) {
  check_inputs("nms_reference", boxes, scores);
  const Tensor b = boxes.to(kFloat64);
  const double* p = b.data<double>();
  const std::vector<std::int64_t> order = order_by_score(scores);
  std::vector<bool> suppressed(order.size(), false);
  std::vector<std::int64_t> keep;
  for (std::size_t a = 0; a < order.size(); ++a) {
    if (suppressed[a]) continue;
    const double* u = p + 4 * order[a];
    keep.push_back(order[a]);
    for (std::size_t c = a + 1; c < order.size(); ++c) {
      if (suppressed[c]) continue;
      const double* v = p + 4 * order[c];
      const double w = std::max(0.0, std::min(u[2], v[2]) - std::max(u[0], v[0]));
      const double h = std::max(0.0, std::min(u[3], v[3]) - std::max(u[1], v[1]));
      const double inter = w * h;
      const double iou =
          inter / ((u[2] - u[0]) * (u[3] - u[1]) + (v[2] - v[0]) * (v[3] - v[1]) - inter);
      if (iou > iou_threshold) suppressed[c] = true;
    }
  }
  return as_tensor(keep);
}

}  // namespace minidl::metrics
