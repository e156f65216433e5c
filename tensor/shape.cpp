// Shape ops (layer 0): transpose/permute, squeeze/unsqueeze, broadcast_to, slice/narrow,
// concat/stack/split/chunk, flip and pad.
//
// Every tensor is contiguous, so each op that moves data is one strided copy: the output is walked
// in row-major order and the source is addressed through per-axis strides that may be zero
// (broadcast), scaled (slice step) or negative (flip). One kernel, copy_strided, serves them all.
// It first merges axes that are contiguous in both source and destination, so the common cases
// collapse into long memcpy runs; a permutation whose source-contiguous axis is not the last one
// goes through 8x8 tiles so that neither side streams through memory with a large stride.
// The kernels copy bits, so they are templated on element size, not on dtype.
// squeeze/unsqueeze are reshapes (views); every other op returns fresh storage.
#include <algorithm>
#include <cstring>

#include "tensor/dispatch.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace minidl {
namespace {

using Strides = std::vector<std::int64_t>;

// Tile edge of the permutation path: an 8x8 tile of 8-byte elements is 8 cache lines per side,
// and measured faster than 16 or 32 on power-of-two strides (fewer L1 set conflicts).
constexpr std::int64_t kTile = 8;

// Row-major strides. An empty shape's other dims may multiply past int64 ([0, 2^62, 2^62] is a
// valid empty tensor), and its strides address nothing, so they are all 0.
Strides contiguous_strides(const Shape& s) {
  if (shape_numel(s) == 0) return Strides(s.size(), 0);
  Strides st(s.size());
  std::int64_t acc = 1;
  for (std::size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= s[i];
  }
  return st;
}

// out multi-index m  ->  src[sum m_k * src_k], dst[sum m_k * dst_k].
struct CopyPlan {
  Shape shape;
  Strides src, dst;
};

// Drops size-1 axes and merges neighbours that are contiguous in both src and dst, so that e.g. a
// concat along axis 1 of [N, C, H, W] copies rows of C*H*W elements instead of W.
CopyPlan coalesce(const Shape& shape, const Strides& src, const Strides& dst) {
  CopyPlan p;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == 1) continue;
    if (!p.shape.empty() && p.src.back() == src[i] * shape[i] &&
        p.dst.back() == dst[i] * shape[i]) {
      p.shape.back() *= shape[i];
      p.src.back() = src[i];
      p.dst.back() = dst[i];
    } else {
      p.shape.push_back(shape[i]);
      p.src.push_back(src[i]);
      p.dst.push_back(dst[i]);
    }
  }
  if (p.shape.empty()) p = {{1}, {1}, {1}};
  return p;
}

// Odometer over the axes `axes` of a plan, tracking the src and dst offsets.
struct Walker {
  const CopyPlan& p;
  const std::vector<std::size_t>& axes;
  std::vector<std::int64_t> m;
  std::int64_t so = 0, dof = 0;

  Walker(const CopyPlan& plan, const std::vector<std::size_t>& ax, std::int64_t flat)
      : p(plan), axes(ax), m(ax.size(), 0) {
    for (std::size_t k = axes.size(); k-- > 0;) {
      const std::size_t a = axes[k];
      m[k] = flat % p.shape[a];
      flat /= p.shape[a];
      so += m[k] * p.src[a];
      dof += m[k] * p.dst[a];
    }
  }
  void next() {
    for (std::size_t k = axes.size(); k-- > 0;) {
      const std::size_t a = axes[k];
      so += p.src[a];
      dof += p.dst[a];
      if (++m[k] < p.shape[a]) return;
      so -= p.src[a] * p.shape[a];
      dof -= p.dst[a] * p.shape[a];
      m[k] = 0;
    }
  }
};

template <typename E>
void copy_row(const E* s, std::int64_t ss, E* d, std::int64_t ds, std::int64_t n) {
  if (ss == 1 && ds == 1) {
    std::memcpy(d, s, static_cast<std::size_t>(n) * sizeof(E));
  } else if (ss == 0) {
    for (std::int64_t i = 0; i < n; ++i) d[i * ds] = s[0];
  } else {
    for (std::int64_t i = 0; i < n; ++i) d[i * ds] = s[i * ss];
  }
}

// Permutations: the source-contiguous axis j is not the last. Tiles of kTile x kTile along (j,
// last) keep both the strided reads and the contiguous writes inside L1.
template <typename E>
void copy_tiled(const E* src, E* dst, const CopyPlan& p, std::size_t j) {
  const std::size_t last = p.shape.size() - 1;
  std::vector<std::size_t> outer;
  for (std::size_t a = 0; a < last; ++a)
    if (a != j) outer.push_back(a);
  std::int64_t outer_n = 1;
  for (auto a : outer) outer_n *= p.shape[a];
  const std::int64_t nj = p.shape[j], nl = p.shape[last];
  const std::int64_t sl = p.src[last], dj = p.dst[j];  // dst[last] is 1
  const std::int64_t tiles_j = (nj + kTile - 1) / kTile;
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainElementwise / (kTile * nl));
  parallel_for(outer_n * tiles_j, grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t u = b; u < e; ++u) {
      Walker w(p, outer, u / tiles_j);
      const std::int64_t j0 = (u % tiles_j) * kTile, j1 = std::min(nj, j0 + kTile);
      for (std::int64_t l0 = 0; l0 < nl; l0 += kTile) {
        const std::int64_t l1 = std::min(nl, l0 + kTile);
        const E* s = src + w.so + l0 * sl;
        E* d = dst + w.dof + l0;
        if (j1 - j0 == kTile && l1 - l0 == kTile) {
          // Compile-time bounds let the compiler keep the whole tile in registers.
          const E* s0 = s + j0;
          E* d0 = d + j0 * dj;
          for (std::int64_t jj = 0; jj < kTile; ++jj)
            for (std::int64_t l = 0; l < kTile; ++l) d0[jj * dj + l] = s0[jj + l * sl];
        } else {
          for (std::int64_t jj = j0; jj < j1; ++jj)
            for (std::int64_t l = 0; l < l1 - l0; ++l) d[jj * dj + l] = s[jj + l * sl];
        }
      }
    }
  });
}

template <typename E>
void copy_plan(const E* src, E* dst, const CopyPlan& p) {
  const std::size_t nd = p.shape.size();
  const std::int64_t inner = p.shape.back(), si = p.src.back(), di = p.dst.back();
  if (nd >= 2 && di == 1 && si != 1 && si != 0) {
    for (std::size_t j = 0; j + 1 < nd; ++j)
      if (p.src[j] == 1) return copy_tiled(src, dst, p, j);
  }
  std::vector<std::size_t> outer(nd - 1);
  for (std::size_t a = 0; a + 1 < nd; ++a) outer[a] = a;
  std::int64_t rows = 1;
  for (auto a : outer) rows *= p.shape[a];
  // Work units are (row, column block); long rows are cut so a big 1-D copy still spreads out.
  const std::int64_t cw = std::min(inner, kGrainElementwise);
  const std::int64_t blocks = (inner + cw - 1) / cw;
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainElementwise / cw);
  parallel_for(rows * blocks, grain, [&](std::int64_t b, std::int64_t e) {
    Walker w(p, outer, b / blocks);
    for (std::int64_t u = b; u < e; ++u) {
      const std::int64_t c0 = (u % blocks) * cw;
      if (u > b && c0 == 0) w.next();
      copy_row(src + w.so + c0 * si, si, dst + w.dof + c0 * di, di, std::min(cw, inner - c0));
    }
  });
}

// Copies shape-many elements; src and dst point at the element of multi-index 0.
void copy_strided(DType dt, const void* src, void* dst, const Shape& shape, const Strides& ss,
                  const Strides& ds) {
  if (shape_numel(shape) == 0) return;
  CopyPlan p = coalesce(shape, ss, ds);
  if (dtype_size(dt) == 4) {
    copy_plan(static_cast<const std::uint32_t*>(src), static_cast<std::uint32_t*>(dst), p);
  } else {
    copy_plan(static_cast<const std::uint64_t*>(src), static_cast<std::uint64_t*>(dst), p);
  }
}

// Element `offset` of t, as a byte pointer (for kernels that only move bits).
const char* at_elem(const Tensor& t, std::int64_t offset) {
  return static_cast<const char*>(t.raw()) +
         offset * static_cast<std::int64_t>(dtype_size(t.dtype()));
}
char* at_elem(Tensor& t, std::int64_t offset) {
  return static_cast<char*>(t.raw()) + offset * static_cast<std::int64_t>(dtype_size(t.dtype()));
}

// out = x read through (offset, strides) over `shape`.
Tensor gather_view(const Tensor& x, const Shape& shape, std::int64_t offset, const Strides& ss) {
  Tensor out(shape, x.dtype());
  if (out.numel() > 0)
    copy_strided(x.dtype(), at_elem(x, offset), out.raw(), shape, ss, contiguous_strides(shape));
  return out;
}

void check_defined(const Tensor& x, const char* op) {
  MINIDL_CHECK(x.defined(), op, ": undefined tensor");
}

// Axis for ops that need an actual axis to index (0-d tensors have none).
std::int64_t real_axis(const Tensor& x, std::int64_t axis, const char* op) {
  MINIDL_CHECK(x.dim() >= 1, op, ": needs a tensor of rank >= 1, got shape ", shape_str(x.shape()));
  return detail::norm_axis(axis, x.dim(), op);
}

}  // namespace

Tensor transpose(const Tensor& x, std::int64_t a, std::int64_t b) {
  check_defined(x, "transpose");
  Axes dims(static_cast<std::size_t>(x.dim()));
  for (std::size_t i = 0; i < dims.size(); ++i) dims[i] = static_cast<std::int64_t>(i);
  if (x.dim() == 0) return permute(x, dims);
  std::swap(dims[static_cast<std::size_t>(detail::norm_axis(a, x.dim(), "transpose"))],
            dims[static_cast<std::size_t>(detail::norm_axis(b, x.dim(), "transpose"))]);
  return permute(x, dims);
}

Tensor permute(const Tensor& x, const Axes& dims) {
  check_defined(x, "permute");
  MINIDL_CHECK(static_cast<std::int64_t>(dims.size()) == x.dim(), "permute: ", dims.size(),
               " dims given for a tensor of rank ", x.dim(), " (", shape_str(x.shape()), ")");
  const Strides xs = contiguous_strides(x.shape());
  std::vector<bool> seen(dims.size(), false);
  Shape shape(dims.size());
  Strides ss(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) {
    auto d = static_cast<std::size_t>(detail::norm_axis(dims[i], x.dim(), "permute"));
    MINIDL_CHECK(!seen[d], "permute: axis ", dims[i], " repeated in ", shape_str(dims));
    seen[d] = true;
    shape[i] = x.shape()[d];
    ss[i] = xs[d];
  }
  return gather_view(x, shape, 0, ss);
}

Tensor squeeze(const Tensor& x, std::optional<std::int64_t> axis) {
  check_defined(x, "squeeze");
  Shape shape;
  if (axis) {
    if (x.dim() == 0) return x.reshape({});
    // Like PyTorch: an axis of size != 1 is left alone.
    auto a = detail::norm_axis(*axis, x.dim(), "squeeze");
    for (std::int64_t i = 0; i < x.dim(); ++i)
      if (i != a || x.shape()[static_cast<std::size_t>(i)] != 1)
        shape.push_back(x.shape()[static_cast<std::size_t>(i)]);
  } else {
    for (auto d : x.shape())
      if (d != 1) shape.push_back(d);
  }
  return x.reshape(shape);
}

Tensor unsqueeze(const Tensor& x, std::int64_t axis) {
  check_defined(x, "unsqueeze");
  auto a = detail::norm_axis(axis, x.dim() + 1, "unsqueeze");
  Shape shape = x.shape();
  shape.insert(shape.begin() + a, 1);
  return x.reshape(shape);
}

Tensor broadcast_to(const Tensor& x, const Shape& target) {
  check_defined(x, "broadcast_to");
  const auto nd = static_cast<std::int64_t>(target.size());
  const std::int64_t lead = nd - x.dim();
  MINIDL_CHECK(lead >= 0, "broadcast_to: cannot broadcast ", shape_str(x.shape()), " to ",
               shape_str(target));
  // -1 keeps the size of the matching axis of x (torch.Tensor.expand).
  Shape shape = target;
  for (std::int64_t i = 0; i < nd; ++i) {
    auto& d = shape[static_cast<std::size_t>(i)];
    if (d != -1) continue;
    MINIDL_CHECK(i >= lead, "broadcast_to: -1 is not allowed for the new leading axis ", i, " in ",
                 shape_str(target));
    d = x.shape()[static_cast<std::size_t>(i - lead)];
  }
  const Strides xs = contiguous_strides(x.shape());
  Strides ss(shape.size(), 0);
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    const auto xi = static_cast<std::size_t>(i), oi = static_cast<std::size_t>(i + lead);
    MINIDL_CHECK(x.shape()[xi] == shape[oi] || x.shape()[xi] == 1,
                 "broadcast_to: cannot broadcast ", shape_str(x.shape()), " to ", shape_str(shape));
    ss[oi] = x.shape()[xi] == 1 ? 0 : xs[xi];
  }
  shape_numel(shape, "broadcast_to");  // names the op before the output's own check would
  return gather_view(x, shape, 0, ss);
}

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end,
             std::int64_t step) {
  check_defined(x, "slice");
  const auto a = static_cast<std::size_t>(real_axis(x, axis, "slice"));
  MINIDL_CHECK(step >= 1, "slice: step must be >= 1, got ", step);
  const std::int64_t n = x.shape()[a];
  auto clampi = [n](std::int64_t i) { return std::clamp<std::int64_t>(i < 0 ? i + n : i, 0, n); };
  start = clampi(start);
  end = clampi(end);
  // A step past the axis picks one element at most; capping it keeps step * stride in range.
  step = std::min(step, std::max<std::int64_t>(n, 1));
  Shape shape = x.shape();
  shape[a] = end > start ? (end - start - 1) / step + 1 : 0;
  Strides ss = contiguous_strides(x.shape());
  const std::int64_t offset = shape[a] > 0 ? start * ss[a] : 0;
  ss[a] *= step;
  return gather_view(x, shape, offset, ss);
}

Tensor narrow(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t length) {
  check_defined(x, "narrow");
  const auto a = static_cast<std::size_t>(real_axis(x, axis, "narrow"));
  const std::int64_t n = x.shape()[a];
  if (start < 0) start += n;
  // A huge length ("to the end") must not wrap start + length around to something small.
  std::int64_t end = 0;
  const bool end_fits = !__builtin_add_overflow(start, length, &end);
  MINIDL_CHECK(start >= 0 && length >= 0 && end_fits && end <= n, "narrow: [", start, ", ",
               end_fits ? std::to_string(end) : detail::concat(start, "+", length),
               ") out of range for axis ", axis, " of size ", n, " in ", shape_str(x.shape()));
  return slice(x, static_cast<std::int64_t>(a), start, end, 1);
}

Tensor concat(const std::vector<Tensor>& xs, std::int64_t axis) {
  MINIDL_CHECK(!xs.empty(), "concat: empty list of tensors");
  for (const auto& t : xs) check_defined(t, "concat");
  const Tensor& first = xs[0];
  const auto a = static_cast<std::size_t>(real_axis(first, axis, "concat"));
  Shape shape = first.shape();
  shape[a] = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const Tensor& t = xs[i];
    MINIDL_CHECK(t.dtype() == first.dtype(), "concat: dtype mismatch, ", dtype_name(first.dtype()),
                 " at 0 vs ", dtype_name(t.dtype()), " at ", i);
    bool ok = t.dim() == first.dim();
    for (std::size_t d = 0; ok && d < shape.size(); ++d)
      ok = d == a || t.shape()[d] == first.shape()[d];
    MINIDL_CHECK(ok, "concat: shapes differ off axis ", axis, ", ", shape_str(first.shape()),
                 " at 0 vs ", shape_str(t.shape()), " at ", i);
    MINIDL_CHECK(!__builtin_add_overflow(shape[a], t.shape()[a], &shape[a]),
                 "concat: sizes along axis ", axis, " add up past 2^63-1 at input ", i, " (",
                 shape_str(t.shape()), ")");
  }
  shape_numel(shape, "concat");
  Tensor out(shape, first.dtype());
  if (out.numel() == 0) return out;
  // Each input is a [outer, rows_i] matrix; out is [outer, sum rows_i].
  std::int64_t outer = 1;
  for (std::size_t d = 0; d < a; ++d) outer *= shape[d];
  const std::int64_t out_row = out.numel() / outer;
  std::int64_t col = 0;
  for (const auto& t : xs) {
    const std::int64_t row = t.numel() / outer;
    if (row > 0)
      copy_strided(t.dtype(), t.raw(), at_elem(out, col), {outer, row}, {row, 1}, {out_row, 1});
    col += row;
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& xs, std::int64_t axis) {
  MINIDL_CHECK(!xs.empty(), "stack: empty list of tensors");
  check_defined(xs[0], "stack");
  const std::int64_t a = detail::norm_axis(axis, xs[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(xs.size());
  for (std::size_t i = 0; i < xs.size(); ++i) {
    check_defined(xs[i], "stack");
    MINIDL_CHECK(xs[i].shape() == xs[0].shape(), "stack: shapes differ, ", shape_str(xs[0].shape()),
                 " at 0 vs ", shape_str(xs[i].shape()), " at ", i);
    parts.push_back(unsqueeze(xs[i], a));
  }
  return concat(parts, a);
}

std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t axis) {
  check_defined(x, "split");
  const auto a = real_axis(x, axis, "split");
  MINIDL_CHECK(size >= 1, "split: size must be >= 1, got ", size);
  const std::int64_t n = x.size(a);
  std::vector<Tensor> out;
  if (n == 0) out.push_back(x.clone());  // like torch.split: one empty piece
  for (std::int64_t s = 0; s < n;) {
    const std::int64_t len = std::min(size, n - s);  // s += size could wrap for a huge size
    out.push_back(narrow(x, a, s, len));
    s += len;
  }
  return out;
}

std::vector<Tensor> chunk(const Tensor& x, std::int64_t n, std::int64_t axis) {
  check_defined(x, "chunk");
  const auto a = real_axis(x, axis, "chunk");
  MINIDL_CHECK(n >= 1, "chunk: number of chunks must be >= 1, got ", n);
  const std::int64_t len = x.size(a);
  if (len == 0) {  // like torch.chunk: n empty pieces
    std::vector<Tensor> out;
    for (std::int64_t i = 0; i < n; ++i) out.push_back(x.clone());
    return out;
  }
  return split(x, len / n + (len % n != 0), a);  // ceil(len / n); len + n - 1 could wrap
}

Tensor flip(const Tensor& x, const Axes& axes) {
  check_defined(x, "flip");
  Strides ss = contiguous_strides(x.shape());
  std::vector<bool> seen(static_cast<std::size_t>(x.dim()), false);
  std::int64_t offset = 0;
  for (auto ax : axes) {
    const auto a = static_cast<std::size_t>(real_axis(x, ax, "flip"));
    MINIDL_CHECK(!seen[a], "flip: axis ", ax, " repeated in ", shape_str(axes));
    seen[a] = true;
    if (x.shape()[a] > 0) offset += (x.shape()[a] - 1) * ss[a];
    ss[a] = -ss[a];
  }
  return gather_view(x, x.shape(), x.numel() > 0 ? offset : 0, ss);
}

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, double value) {
  check_defined(x, "pad");
  const auto nd = static_cast<std::size_t>(x.dim());
  MINIDL_CHECK(pads.size() % 2 == 0 && pads.size() <= 2 * nd, "pad: ", pads.size(),
               " pad values for a tensor of rank ", nd, " (need an even count <= ", 2 * nd, ")");
  Shape shape = x.shape();
  std::vector<std::int64_t> before(nd, 0);
  for (std::size_t k = 0; k < pads.size() / 2; ++k) {
    const std::size_t d = nd - 1 - k;
    MINIDL_CHECK(pads[2 * k] >= 0 && pads[2 * k + 1] >= 0, "pad: negative pad (", pads[2 * k], ", ",
                 pads[2 * k + 1], ") for axis ", d, "; pads must be >= 0");
    before[d] = pads[2 * k];
    std::int64_t grow = 0;
    MINIDL_CHECK(!__builtin_add_overflow(pads[2 * k], pads[2 * k + 1], &grow) &&
                     !__builtin_add_overflow(shape[d], grow, &shape[d]),
                 "pad: pads (", pads[2 * k], ", ", pads[2 * k + 1], ") make axis ", d, " of ",
                 shape_str(x.shape()), " longer than 2^63-1");
  }
  shape_numel(shape, "pad");
  Tensor out(shape, x.dtype());
  out.fill_(value);
  if (x.numel() == 0) return out;
  const Strides os = contiguous_strides(shape);
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < nd; ++d) offset += before[d] * os[d];
  copy_strided(x.dtype(), x.raw(), at_elem(out, offset), x.shape(), contiguous_strides(x.shape()),
               os);
  return out;
}

}  // namespace minidl
