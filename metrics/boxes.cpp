// Box operations (formulas and conventions in metrics/boxes.h).
#include "metrics/boxes.h"

#include <algorithm>
#include <vector>

#include "tensor/error.h"
#include "tensor/parallel.h"

namespace minidl::metrics {
namespace {

// Output elements per parallel chunk of the pairwise kernels (~30 us of work); a chunk is a whole
// number of rows, so the grain in rows depends on M only, never on the thread count.
constexpr std::int64_t kGrainPairs = 32768;
// Columns per block: a fixed trip count GCC 12's -O2 vectoriser handles (see tensor/loops.h).
constexpr std::int64_t kLanes = 16;

void check_boxes(const char* op, const char* name, const Tensor& b) {
  MINIDL_CHECK(b.defined() && b.dim() == 2 && b.shape()[1] == 4, op, ": ", name,
               " must be [N, 4], got ", b.defined() ? shape_str(b.shape()) : "undefined");
  MINIDL_CHECK(b.dtype() == kFloat32 || b.dtype() == kFloat64, op, ": ", name,
               " must be float32 or float64, got ", dtype_name(b.dtype()));
}

// The common dtype of two box sets (float64 if either is).
DType common(const Tensor& a, const Tensor& b) {
  return a.dtype() == kFloat64 || b.dtype() == kFloat64 ? kFloat64 : kFloat32;
}

template <typename T>
struct Columns {
  std::vector<T> x1, y1, x2, y2, area;
};

template <typename T>
Columns<T> columns(const T* b, std::int64_t m) {
  Columns<T> c;
  for (auto* v : {&c.x1, &c.y1, &c.x2, &c.y2, &c.area}) v->resize(static_cast<std::size_t>(m));
  for (std::int64_t j = 0; j < m; ++j) {
    c.x1[j] = b[4 * j];
    c.y1[j] = b[4 * j + 1];
    c.x2[j] = b[4 * j + 2];
    c.y2[j] = b[4 * j + 3];
    c.area[j] = (c.x2[j] - c.x1[j]) * (c.y2[j] - c.y1[j]);
  }
  return c;
}

// One box against columns [j0, j1): IoU, or GIoU when Generalized. The operations and their order
// are torchvision's (_box_inter_union, generalized_box_iou).
template <bool Generalized, typename T>
inline T pair_value(T ax1, T ay1, T ax2, T ay2, T area_a, const Columns<T>& c, std::int64_t j) {
  const T w = std::min(ax2, c.x2[j]) - std::max(ax1, c.x1[j]);
  const T h = std::min(ay2, c.y2[j]) - std::max(ay1, c.y1[j]);
  const T inter = (w < T(0) ? T(0) : w) * (h < T(0) ? T(0) : h);
  const T uni = area_a + c.area[j] - inter;
  const T iou = inter / uni;
  if constexpr (!Generalized) {
    return iou;
  } else {
    const T wc = std::max(ax2, c.x2[j]) - std::min(ax1, c.x1[j]);
    const T hc = std::max(ay2, c.y2[j]) - std::min(ay1, c.y1[j]);
    const T area_c = (wc < T(0) ? T(0) : wc) * (hc < T(0) ? T(0) : hc);
    return iou - (area_c - uni) / area_c;
  }
}

template <bool Generalized, typename T>
void pairwise(const T* a, std::int64_t n, const Columns<T>& c, std::int64_t m, T* out) {
  const std::int64_t grain_rows =
      std::max<std::int64_t>(1, kGrainPairs / std::max<std::int64_t>(m, 1));
  auto rows = [&](std::int64_t r0, std::int64_t r1) {
    for (std::int64_t i = r0; i < r1; ++i) {
      const T ax1 = a[4 * i], ay1 = a[4 * i + 1], ax2 = a[4 * i + 2], ay2 = a[4 * i + 3];
      const T area_a = (ax2 - ax1) * (ay2 - ay1);
      T* o = out + i * m;
      std::int64_t j = 0;
      for (; j + kLanes <= m; j += kLanes)
        for (std::int64_t l = 0; l < kLanes; ++l)
          o[j + l] = pair_value<Generalized>(ax1, ay1, ax2, ay2, area_a, c, j + l);
      for (; j < m; ++j) o[j] = pair_value<Generalized>(ax1, ay1, ax2, ay2, area_a, c, j);
    }
  };
  if (n <= grain_rows) {
    rows(0, n);
  } else {
    parallel_for(n, grain_rows, rows);
  }
}

template <bool Generalized>
Tensor pairwise_op(const char* op, const Tensor& boxes1, const Tensor& boxes2) {
  check_boxes(op, "boxes1", boxes1);
  check_boxes(op, "boxes2", boxes2);
  const DType dt = common(boxes1, boxes2);
  const Tensor a = boxes1.to(dt), b = boxes2.to(dt);
  const std::int64_t n = a.shape()[0], m = b.shape()[0];
  Tensor out = empty({n, m}, dt);
  if (dt == kFloat32) {
    pairwise<Generalized>(a.data<float>(), n, columns(b.data<float>(), m), m, out.data<float>());
  } else {
    pairwise<Generalized>(a.data<double>(), n, columns(b.data<double>(), m), m, out.data<double>());
  }
  return out;
}

// Applies f(row in, row out) to each box, in the box's dtype.
template <typename F>
Tensor map_boxes(const Tensor& boxes, F f) {
  Tensor out = empty(boxes.shape(), boxes.dtype());
  const std::int64_t n = boxes.shape()[0];
  if (boxes.dtype() == kFloat32) {
    for (std::int64_t i = 0; i < n; ++i) f(boxes.data<float>() + 4 * i, out.data<float>() + 4 * i);
  } else {
    for (std::int64_t i = 0; i < n; ++i)
      f(boxes.data<double>() + 4 * i, out.data<double>() + 4 * i);
  }
  return out;
}

enum class Format { kXyxy, kXywh, kCxcywh };

Format parse_format(std::string_view f) {
  if (f == "xyxy") return Format::kXyxy;
  if (f == "xywh") return Format::kXywh;
  if (f == "cxcywh") return Format::kCxcywh;
  MINIDL_FAIL("box_convert: unknown format '", f, "' (known: xyxy, xywh, cxcywh)");
}

void check_ordered(const char* op, const char* name, const Tensor& boxes) {
  const Tensor b = boxes.to(kFloat64);
  const double* p = b.data<double>();
  for (std::int64_t i = 0; i < b.shape()[0]; ++i)
    MINIDL_CHECK(p[4 * i + 2] >= p[4 * i] && p[4 * i + 3] >= p[4 * i + 1], op, ": ", name, " box ",
                 i, " has x2 < x1 or y2 < y1: (", p[4 * i], ", ", p[4 * i + 1], ", ", p[4 * i + 2],
                 ", ", p[4 * i + 3], ")");
}

}  // namespace

Tensor box_area(const Tensor& boxes) {
  check_boxes("box_area", "boxes", boxes);
  const std::int64_t n = boxes.shape()[0];
  Tensor out = empty({n}, boxes.dtype());
  auto fill = [n](const auto* p, auto* o) {
    for (std::int64_t i = 0; i < n; ++i)
      o[i] = (p[4 * i + 2] - p[4 * i]) * (p[4 * i + 3] - p[4 * i + 1]);
  };
  if (boxes.dtype() == kFloat32) {
    fill(boxes.data<float>(), out.data<float>());
  } else {
    fill(boxes.data<double>(), out.data<double>());
  }
  return out;
}

Tensor box_iou(const Tensor& boxes1, const Tensor& boxes2) {
  return pairwise_op<false>("box_iou", boxes1, boxes2);
}

Tensor generalized_box_iou(const Tensor& boxes1, const Tensor& boxes2) {
  return pairwise_op<true>("generalized_box_iou", boxes1, boxes2);
}

Tensor box_iou_reference(const Tensor& boxes1, const Tensor& boxes2) {
  check_boxes("box_iou_reference", "boxes1", boxes1);
  check_boxes("box_iou_reference", "boxes2", boxes2);
  const Tensor a = boxes1.to(kFloat64), b = boxes2.to(kFloat64);
  const std::int64_t n = a.shape()[0], m = b.shape()[0];
  std::vector<double> out(static_cast<std::size_t>(n * m));
  const double *p = a.data<double>(), *q = b.data<double>();
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t j = 0; j < m; ++j) {
      const double* u = p + 4 * i;
      const double* v = q + 4 * j;
      const double w = std::max(0.0, std::min(u[2], v[2]) - std::max(u[0], v[0]));
      const double h = std::max(0.0, std::min(u[3], v[3]) - std::max(u[1], v[1]));
      const double inter = w * h;
      out[i * m + j] =
          inter / ((u[2] - u[0]) * (u[3] - u[1]) + (v[2] - v[0]) * (v[3] - v[1]) - inter);
    }
  }
  return from_vector(out, {n, m});
}

Tensor box_convert(const Tensor& boxes, std::string_view in_fmt, std::string_view out_fmt) {
  check_boxes("box_convert", "boxes", boxes);
  const Format in = parse_format(in_fmt), out = parse_format(out_fmt);
  if (in == out) return boxes.clone();
  return map_boxes(boxes, [&](const auto* p, auto* o) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(p)>>;
    T x1 = p[0], y1 = p[1], x2 = p[2], y2 = p[3];
    if (in == Format::kXywh) {
      x2 = p[0] + p[2];
      y2 = p[1] + p[3];
    } else if (in == Format::kCxcywh) {
      x1 = p[0] - T(0.5) * p[2];
      y1 = p[1] - T(0.5) * p[3];
      x2 = p[0] + T(0.5) * p[2];
      y2 = p[1] + T(0.5) * p[3];
    }
    if (out == Format::kXyxy) {
      o[0] = x1, o[1] = y1, o[2] = x2, o[3] = y2;
    } else if (out == Format::kXywh) {
      o[0] = x1, o[1] = y1, o[2] = x2 - x1, o[3] = y2 - y1;
    } else {
      o[0] = (x1 + x2) / T(2), o[1] = (y1 + y2) / T(2), o[2] = x2 - x1, o[3] = y2 - y1;
    }
  });
}

Tensor clip_boxes_to_image(const Tensor& boxes, double height, double width) {
  check_boxes("clip_boxes_to_image", "boxes", boxes);
  MINIDL_CHECK(height >= 0 && width >= 0, "clip_boxes_to_image: size must be >= 0, got (", height,
               ", ", width, ")");
  return map_boxes(boxes, [&](const auto* p, auto* o) {
    using T = std::remove_cv_t<std::remove_pointer_t<decltype(p)>>;
    const T w = static_cast<T>(width), h = static_cast<T>(height);
    for (int k = 0; k < 4; ++k) o[k] = std::clamp(p[k], T(0), k % 2 == 0 ? w : h);
  });
}

Tensor remove_small_boxes(const Tensor& boxes, double min_size) {
  check_boxes("remove_small_boxes", "boxes", boxes);
  const Tensor b = boxes.to(kFloat64);
  std::vector<std::int64_t> keep;
  for (std::int64_t i = 0; i < b.shape()[0]; ++i) {
    const double* p = b.data<double>() + 4 * i;
    // In the boxes' own dtype, as torchvision compares ws >= min_size.
    const double w = boxes.dtype() == kFloat32 ? double(float(p[2]) - float(p[0])) : p[2] - p[0];
    const double h = boxes.dtype() == kFloat32 ? double(float(p[3]) - float(p[1])) : p[3] - p[1];
    if (w >= min_size && h >= min_size) keep.push_back(i);
  }
  return from_vector(keep, {static_cast<std::int64_t>(keep.size())});
}

Tensor BoxCoder::encode(const Tensor& target_boxes, const Tensor& reference_boxes) const {
  constexpr const char* kOp = "BoxCoder::encode";
  check_boxes(kOp, "target_boxes", target_boxes);
  check_boxes(kOp, "reference_boxes", reference_boxes);
  MINIDL_CHECK(target_boxes.shape()[0] == reference_boxes.shape()[0], kOp,
               ": target_boxes and reference_boxes differ in count, ", target_boxes.shape()[0],
               " vs ", reference_boxes.shape()[0]);
  const Tensor g = target_boxes.to(kFloat64), r = reference_boxes.to(kFloat64);
  const std::int64_t n = g.shape()[0];
  std::vector<double> out(static_cast<std::size_t>(4 * n));
  const auto [wx, wy, ww, wh] = weights;
  for (std::int64_t i = 0; i < n; ++i) {
    const double* p = r.data<double>() + 4 * i;
    const double* q = g.data<double>() + 4 * i;
    const double ex_w = p[2] - p[0], ex_h = p[3] - p[1];
    const double gt_w = q[2] - q[0], gt_h = q[3] - q[1];
    MINIDL_CHECK(ex_w > 0 && ex_h > 0 && gt_w > 0 && gt_h > 0, kOp,
                 ": boxes need a positive width and height, got reference (", p[0], ", ", p[1],
                 ", ", p[2], ", ", p[3], ") and target (", q[0], ", ", q[1], ", ", q[2], ", ", q[3],
                 ") at row ", i);
    const double ex_cx = p[0] + 0.5 * ex_w, ex_cy = p[1] + 0.5 * ex_h;
    const double gt_cx = q[0] + 0.5 * gt_w, gt_cy = q[1] + 0.5 * gt_h;
    out[4 * i] = wx * (gt_cx - ex_cx) / ex_w;
    out[4 * i + 1] = wy * (gt_cy - ex_cy) / ex_h;
    out[4 * i + 2] = ww * std::log(gt_w / ex_w);
    out[4 * i + 3] = wh * std::log(gt_h / ex_h);
  }
  return from_vector(out, {n, 4}).to(common(target_boxes, reference_boxes));
}

Tensor BoxCoder::decode(const Tensor& deltas, const Tensor& reference_boxes) const {
  constexpr const char* kOp = "BoxCoder::decode";
  check_boxes(kOp, "deltas", deltas);
  check_boxes(kOp, "reference_boxes", reference_boxes);
  MINIDL_CHECK(deltas.shape()[0] == reference_boxes.shape()[0], kOp,
               ": deltas and reference_boxes differ in count, ", deltas.shape()[0], " vs ",
               reference_boxes.shape()[0]);
  check_ordered(kOp, "reference_boxes", reference_boxes);
  const Tensor d = deltas.to(kFloat64), r = reference_boxes.to(kFloat64);
  const std::int64_t n = d.shape()[0];
  std::vector<double> out(static_cast<std::size_t>(4 * n));
  const auto [wx, wy, ww, wh] = weights;
  for (std::int64_t i = 0; i < n; ++i) {
    const double* p = r.data<double>() + 4 * i;
    const double* c = d.data<double>() + 4 * i;
    const double w = p[2] - p[0], h = p[3] - p[1];
    const double cx = p[0] + 0.5 * w, cy = p[1] + 0.5 * h;
    const double dw = std::min(c[2] / ww, bbox_xform_clip);
    const double dh = std::min(c[3] / wh, bbox_xform_clip);
    const double pcx = c[0] / wx * w + cx, pcy = c[1] / wy * h + cy;
    const double pw = std::exp(dw) * w, ph = std::exp(dh) * h;
    out[4 * i] = pcx - 0.5 * pw;
    out[4 * i + 1] = pcy - 0.5 * ph;
    out[4 * i + 2] = pcx + 0.5 * pw;
    out[4 * i + 3] = pcy + 0.5 * ph;
  }
  return from_vector(out, {n, 4}).to(deltas.dtype());
}

double mean_iou(const Tensor& pred, const Tensor& target) {
  check_boxes("mean_iou", "pred", pred);
  check_boxes("mean_iou", "target", target);
  MINIDL_CHECK(pred.shape()[0] == target.shape()[0] && pred.shape()[0] > 0,
               "mean_iou: pred and target need the same non-zero count, got ", pred.shape()[0],
               " and ", target.shape()[0]);
  const Tensor a = pred.to(kFloat64), b = target.to(kFloat64);
  double total = 0;
  for (std::int64_t i = 0; i < a.shape()[0]; ++i) {
    const Tensor iou = box_iou(a.narrow_rows(i, 1), b.narrow_rows(i, 1));
    const double v = iou.item();
    total += std::isnan(v) ? 0.0 : v;  // two empty boxes: no overlap to credit
  }
  return total / static_cast<double>(a.shape()[0]);
}

}  // namespace minidl::metrics
