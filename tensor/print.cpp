// Tensor::repr, following PyTorch's printing rules closely enough that a PyTorch user reads it at
// a glance: integral floats print as "1.", others with 4 decimals, scientific notation when the
// magnitudes span more than 1e3 or leave [1e-4, 1e8), columns padded to one width, and a tensor of
// more than 1000 elements summarised to its first and last 3 entries per axis.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "tensor/tensor.h"

namespace minidl {
namespace {

constexpr std::int64_t kSummaryThreshold = 1000;
constexpr std::int64_t kEdgeItems = 3;

struct Formatter {
  bool integral_dtype = false;
  bool int_mode = true;  // all finite values are whole numbers
  bool sci = false;
  int width = 1;

  std::string fmt(double v) const {
    char buf[64];
    if (integral_dtype) {
      std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    } else if (std::isnan(v)) {
      std::snprintf(buf, sizeof buf, "nan");
    } else if (std::isinf(v)) {
      std::snprintf(buf, sizeof buf, v > 0 ? "inf" : "-inf");
    } else if (sci) {
      std::snprintf(buf, sizeof buf, "%.4e", v);
    } else if (int_mode) {
      std::snprintf(buf, sizeof buf, "%.0f.", v);
    } else {
      std::snprintf(buf, sizeof buf, "%.4f", v);
    }
    return buf;
  }
};

// Indices along one axis that are shown (all, or the edges when summarising).
std::vector<std::int64_t> shown(std::int64_t n, bool summarise) {
  std::vector<std::int64_t> idx;
  if (summarise && n > 2 * kEdgeItems) {
    for (std::int64_t i = 0; i < kEdgeItems; ++i) idx.push_back(i);
    idx.push_back(-1);  // the "..." marker
    for (std::int64_t i = n - kEdgeItems; i < n; ++i) idx.push_back(i);
  } else {
    for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

void collect(const Tensor& t, std::int64_t axis, std::int64_t base, bool summarise,
             std::vector<double>& out) {
  const Shape& s = t.shape();
  if (axis == t.dim()) {
    out.push_back(t.at(base));
    return;
  }
  std::int64_t stride = 1;
  for (std::int64_t a = axis + 1; a < t.dim(); ++a) stride *= s[static_cast<std::size_t>(a)];
  for (auto i : shown(s[static_cast<std::size_t>(axis)], summarise))
    if (i >= 0) collect(t, axis + 1, base + i * stride, summarise, out);
}

void render(const Tensor& t, const Formatter& f, std::int64_t axis, std::int64_t base,
            bool summarise, int indent, std::string& out) {
  const Shape& s = t.shape();
  if (axis == t.dim()) {
    std::string v = f.fmt(t.at(base));
    out += std::string(static_cast<std::size_t>(std::max(0, f.width - static_cast<int>(v.size()))),
                       ' ') +
           v;
    return;
  }
  std::int64_t stride = 1;
  for (std::int64_t a = axis + 1; a < t.dim(); ++a) stride *= s[static_cast<std::size_t>(a)];
  out += "[";
  auto idx = shown(s[static_cast<std::size_t>(axis)], summarise);
  bool last_axis = axis == t.dim() - 1;
  for (std::size_t k = 0; k < idx.size(); ++k) {
    if (k > 0) {
      out += ",";
      if (last_axis) {
        out += " ";
      } else {
        // One newline per remaining axis, as PyTorch separates matrices with a blank line.
        out += std::string(static_cast<std::size_t>(t.dim() - axis - 1), '\n');
        out += std::string(static_cast<std::size_t>(indent + axis + 1), ' ');
      }
    }
    if (idx[k] < 0) {
      out += last_axis ? " ..." : "...";
      continue;
    }
    render(t, f, axis + 1, base + idx[k] * stride, summarise, indent, out);
  }
  out += "]";
}

}  // namespace

std::string Tensor::repr() const {
  if (!defined()) return "tensor(undefined)";
  bool summarise = numel() > kSummaryThreshold;
  Formatter f;
  f.integral_dtype = dtype() == kInt64;
  std::vector<double> vals;
  if (numel() > 0) collect(*this, 0, 0, summarise, vals);
  if (!f.integral_dtype) {
    double amax = 0, amin = INFINITY;
    bool any = false;
    for (double v : vals) {
      if (!std::isfinite(v)) continue;
      if (v != std::nearbyint(v)) f.int_mode = false;
      double a = std::fabs(v);
      if (a == 0) continue;
      amax = std::max(amax, a);
      amin = std::min(amin, a);
      any = true;
    }
    if (any) {
      if (f.int_mode) {
        f.sci = amax / amin > 1e3 || amax > 1e8;
      } else {
        f.sci = amax / amin > 1e3 || amax > 1e8 || amin < 1e-4;
      }
    }
  }
  for (double v : vals) f.width = std::max(f.width, static_cast<int>(f.fmt(v).size()));
  std::string out = "tensor(";
  if (dim() == 0) {
    out += f.fmt(at(0));
  } else if (numel() == 0) {
    out += "[]";
  } else {
    render(*this, f, 0, 0, summarise, 7, out);
  }
  if (dtype() == kFloat64) out += ", dtype=float64";
  if (numel() == 0 && dim() > 1) out += ", size=" + shape_str(shape());
  return out + ")";
}

}  // namespace minidl
