// Indexing (layer 0): index_select / index_add, gather / scatter_add, one_hot, nonzero.
//
// Shapes: x is [..., n_axis, ...]; an index tensor is int64 and every entry must lie in
// [0, n_axis). Indices are validated in one sequential pass before any work starts, so the error
// names the first bad index in row-major order whatever the thread count.
//
// Determinism of the scattering ops (index_add, scatter_add): two source elements can only land on
// the same output element when they agree on every coordinate except `axis`. So work is split
// only across coordinates off the axis, and each output element receives its contributions one
// after another in index order; the float result is bitwise the same on 1 or N threads.
#include <algorithm>
#include <cstring>

#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace minidl {
namespace {

using Strides = std::vector<std::int64_t>;

// Row-major strides; all 0 for an empty shape, whose other dims may multiply past int64.
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

void check_index_dtype(const Tensor& index, const char* op) {
  MINIDL_CHECK(index.defined(), op, ": undefined index tensor");
  MINIDL_CHECK(index.dtype() == kInt64, op, ": index must be int64, got ",
               dtype_name(index.dtype()));
}

void check_range(const Tensor& index, std::int64_t axis, std::int64_t size, const char* op) {
  const std::int64_t* p = index.data<std::int64_t>();
  const std::int64_t n = index.numel();
  // One branch-free pass in fixed blocks (vectorised), counting out-of-range indices; only when
  // there is one does the per-element search run, to name the first. Max pooling checks ~400k
  // indices per step each way, so this is no longer a scalar loop with two branches per index.
  std::int64_t bad = 0, i = 0;
  for (; i + detail::kBlock <= n; i += detail::kBlock)
    for (int j = 0; j < detail::kBlock; ++j) bad += (p[i + j] < 0) | (p[i + j] >= size);
  for (; i < n; ++i) bad += (p[i] < 0) | (p[i] >= size);
  if (bad == 0) return;
  for (i = 0; i < n; ++i)
    MINIDL_CHECK(p[i] >= 0 && p[i] < size, op, ": index ", p[i], " out of range for axis ", axis,
                 " of size ", size);
}

std::int64_t real_axis(const Tensor& x, std::int64_t axis, const char* op) {
  MINIDL_CHECK(x.defined(), op, ": undefined tensor");
  MINIDL_CHECK(x.dim() >= 1, op, ": needs a tensor of rank >= 1, got shape ", shape_str(x.shape()));
  return detail::norm_axis(axis, x.dim(), op);
}

// x viewed as [outer, n, inner] around `axis`. Only for a nonempty x: an empty one's other dims
// may multiply past int64.
struct Split3 {
  std::int64_t outer = 1, n = 1, inner = 1;
};
Split3 split3(const Shape& s, std::size_t axis) {
  Split3 r;
  for (std::size_t d = 0; d < s.size(); ++d) {
    if (d < axis) r.outer *= s[d];
    if (d == axis) r.n = s[d];
    if (d > axis) r.inner *= s[d];
  }
  return r;
}

// Odometer over the rows (all axes but the last) of an index tensor, tracking
// xbase = sum over those axes except `axis` of m_d * xs_d: the offset into x of the row.
struct RowWalker {
  const Shape& shape;
  const Strides& xs;
  std::size_t axis, nr;
  std::vector<std::int64_t> m;
  std::int64_t xbase = 0;

  RowWalker(const Shape& s, const Strides& x_strides, std::size_t ax, std::int64_t row)
      : shape(s), xs(x_strides), axis(ax), nr(s.size() - 1), m(nr, 0) {
    for (std::size_t k = nr; k-- > 0;) {
      m[k] = row % shape[k];
      row /= shape[k];
      if (k != axis) xbase += m[k] * xs[k];
    }
  }
  void next() {
    for (std::size_t k = nr; k-- > 0;) {
      const std::int64_t step = k == axis ? 0 : xs[k];
      xbase += step;
      if (++m[k] < shape[k]) return;
      xbase -= step * shape[k];
      m[k] = 0;
    }
  }
};

// Shared checks of gather and scatter_add: index has x's rank and fits inside x off the axis.
void check_fits(const Tensor& x, const Tensor& index, std::size_t axis, const char* op) {
  MINIDL_CHECK(index.dim() == x.dim(), op, ": index rank ", index.dim(), " differs from x rank ",
               x.dim(), " (index ", shape_str(index.shape()), ", x ", shape_str(x.shape()), ")");
  for (std::size_t d = 0; d < x.shape().size(); ++d)
    MINIDL_CHECK(d == axis || index.shape()[d] <= x.shape()[d], op, ": index ",
                 shape_str(index.shape()), " larger than x ", shape_str(x.shape()), " on axis ", d);
}

}  // namespace

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index) {
  const auto a = static_cast<std::size_t>(real_axis(x, axis, "index_select"));
  check_index_dtype(index, "index_select");
  MINIDL_CHECK(index.dim() <= 1, "index_select: index must be 1-D, got shape ",
               shape_str(index.shape()));
  check_range(index, static_cast<std::int64_t>(a), x.shape()[a], "index_select");
  const std::int64_t ni = index.numel();
  Shape shape = x.shape();
  shape[a] = ni;
  Tensor out(shape, x.dtype());
  if (out.numel() == 0) return out;
  const Split3 s = split3(x.shape(), a);
  const std::int64_t* idx = index.data<std::int64_t>();
  const auto es = static_cast<std::int64_t>(dtype_size(x.dtype()));
  const char* src = static_cast<const char*>(x.raw());
  char* dst = static_cast<char*>(out.raw());
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainElementwise / s.inner);
  parallel_for(s.outer * ni, grain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t r = b; r < e; ++r) {
      const std::int64_t o = r / ni, i = r % ni;
      std::memcpy(dst + r * s.inner * es, src + (o * s.n + idx[i]) * s.inner * es,
                  static_cast<std::size_t>(s.inner * es));
    }
  });
  return out;
}

Tensor index_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src) {
  const auto a = static_cast<std::size_t>(real_axis(x, axis, "index_add"));
  check_index_dtype(index, "index_add");
  MINIDL_CHECK(index.dim() <= 1, "index_add: index must be 1-D, got shape ",
               shape_str(index.shape()));
  MINIDL_CHECK(src.defined() && src.dtype() == x.dtype(), "index_add: dtype mismatch, x ",
               dtype_name(x.dtype()), " vs src ",
               src.defined() ? dtype_name(src.dtype()) : "undefined");
  Shape want = x.shape();
  want[a] = index.numel();
  MINIDL_CHECK(src.shape() == want, "index_add: src shape ", shape_str(src.shape()),
               " does not match ", shape_str(want), " (x ", shape_str(x.shape()), " with ",
               index.numel(), " indices on axis ", a, ")");
  check_range(index, static_cast<std::int64_t>(a), x.shape()[a], "index_add");
  Tensor out = x.clone();
  const std::int64_t ni = index.numel();
  if (out.numel() == 0 || ni == 0) return out;
  const Split3 s = split3(x.shape(), a);
  const std::int64_t* idx = index.data<std::int64_t>();
  detail::dispatch(x.dtype(), "index_add", [&](auto tag) {
    using T = decltype(tag);
    T* o = out.data<T>();
    const T* sp = src.data<T>();
    // Units are columns (outer, inner) of the [outer, n, inner] view; each walks the index in
    // order.
    const std::int64_t grain = std::max<std::int64_t>(1, kGrainElementwise / ni);
    parallel_for(s.outer * s.inner, grain, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t f = b; f < e;) {
        const std::int64_t ob = f / s.inner, c0 = f % s.inner;
        const std::int64_t c1 = std::min(s.inner, c0 + (e - f));
        T* obase = o + ob * s.n * s.inner;
        const T* sbase = sp + ob * ni * s.inner;
        for (std::int64_t i = 0; i < ni; ++i) {
          T* orow = obase + idx[i] * s.inner;
          const T* srow = sbase + i * s.inner;
          for (std::int64_t c = c0; c < c1; ++c) orow[c] += srow[c];
        }
        f += c1 - c0;
      }
    });
  });
  return out;
}

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index) {
  MINIDL_CHECK(x.defined(), "gather: undefined tensor");
  check_index_dtype(index, "gather");
  if (x.dim() == 0 && index.dim() == 0)
    return gather(x.reshape({1}), 0, index.reshape({1})).reshape({});
  const auto a = static_cast<std::size_t>(real_axis(x, axis, "gather"));
  check_fits(x, index, a, "gather");
  check_range(index, static_cast<std::int64_t>(a), x.shape()[a], "gather");
  Tensor out(index.shape(), x.dtype());
  if (out.numel() == 0) return out;
  const Strides xs = contiguous_strides(x.shape());
  const std::size_t last = index.shape().size() - 1;
  const std::int64_t len = index.shape()[last], rows = index.numel() / len, xa = xs[a];
  const std::int64_t* idx = index.data<std::int64_t>();
  detail::dispatch(x.dtype(), "gather", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* op = out.data<T>();
    const std::int64_t grain = std::max<std::int64_t>(1, kGrainElementwise / len);
    parallel_for(rows, grain, [&](std::int64_t b, std::int64_t e) {
      RowWalker w(index.shape(), xs, a, b);
      for (std::int64_t r = b; r < e; ++r, w.next()) {
        const std::int64_t* ir = idx + r * len;
        T* orow = op + r * len;
        const T* xrow = xp + w.xbase;
        if (a == last) {
          for (std::int64_t j = 0; j < len; ++j) orow[j] = xrow[ir[j]];
        } else {
          for (std::int64_t j = 0; j < len; ++j) orow[j] = xrow[ir[j] * xa + j];
        }
      }
    });
  });
  return out;
}

Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src) {
  MINIDL_CHECK(x.defined(), "scatter_add: undefined tensor");
  Tensor out = x.clone();
  scatter_add_(out, axis, index, src);
  return out;
}

void scatter_add_(Tensor& out, std::int64_t axis, const Tensor& index, const Tensor& src) {
  const Tensor& x = out;
  MINIDL_CHECK(x.defined(), "scatter_add: undefined tensor");
  check_index_dtype(index, "scatter_add");
  MINIDL_CHECK(src.defined() && src.dtype() == x.dtype(), "scatter_add: dtype mismatch, x ",
               dtype_name(x.dtype()), " vs src ",
               src.defined() ? dtype_name(src.dtype()) : "undefined");
  MINIDL_CHECK(src.shape() == index.shape(), "scatter_add: index ", shape_str(index.shape()),
               " and src ", shape_str(src.shape()), " must have the same shape");
  if (x.dim() == 0 && index.dim() == 0) {
    Tensor flat = out.reshape({1});  // a view: the add lands in out's storage
    scatter_add_(flat, 0, index.reshape({1}), src.reshape({1}));
    return;
  }
  const auto a = static_cast<std::size_t>(real_axis(x, axis, "scatter_add"));
  check_fits(x, index, a, "scatter_add");
  check_range(index, static_cast<std::int64_t>(a), x.shape()[a], "scatter_add");
  if (index.numel() == 0) return;
  const Strides xs = contiguous_strides(x.shape());
  const std::size_t last = index.shape().size() - 1;
  const std::int64_t len = index.shape()[last], xa = xs[a];
  // Slices = coordinates on the axes before `axis`; rows inside one slice may collide, so a slice
  // is one sequential unit. (For axis = last every row is its own slice.)
  std::int64_t rows_per_slice = 1;
  for (std::size_t d = a; d < last; ++d) rows_per_slice *= index.shape()[d];
  const std::int64_t slices = index.numel() / len / rows_per_slice;
  const std::int64_t* idx = index.data<std::int64_t>();
  detail::dispatch(x.dtype(), "scatter_add", [&](auto tag) {
    using T = decltype(tag);
    T* op = out.data<T>();
    const T* sp = src.data<T>();
    const std::int64_t grain =
        std::max<std::int64_t>(1, kGrainElementwise / (rows_per_slice * len));
    parallel_for(slices, grain, [&](std::int64_t b, std::int64_t e) {
      const std::int64_t r0 = b * rows_per_slice, r1 = e * rows_per_slice;
      RowWalker w(index.shape(), xs, a, r0);
      for (std::int64_t r = r0; r < r1; ++r, w.next()) {
        const std::int64_t* ir = idx + r * len;
        const T* srow = sp + r * len;
        T* orow = op + w.xbase;
        if (a == last) {
          for (std::int64_t j = 0; j < len; ++j) orow[ir[j]] += srow[j];
        } else {
          for (std::int64_t j = 0; j < len; ++j) orow[ir[j] * xa + j] += srow[j];
        }
      }
    });
  });
}

Tensor one_hot(const Tensor& labels, std::int64_t num_classes) {
  MINIDL_CHECK(labels.defined(), "one_hot: undefined tensor");
  MINIDL_CHECK(labels.dtype() == kInt64, "one_hot: labels must be int64, got ",
               dtype_name(labels.dtype()));
  MINIDL_CHECK(num_classes >= 1, "one_hot: num_classes must be >= 1, got ", num_classes);
  const std::int64_t* lp = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i)
    MINIDL_CHECK(lp[i] >= 0 && lp[i] < num_classes, "one_hot: label ", lp[i], " out of range [0, ",
                 num_classes, ") for num_classes ", num_classes);
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  shape_numel(shape, "one_hot");
  Tensor out = zeros(shape, kInt64);
  std::int64_t* op = out.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i) op[i * num_classes + lp[i]] = 1;
  return out;
}

Tensor nonzero(const Tensor& x) {
  MINIDL_CHECK(x.defined(), "nonzero: undefined tensor");
  const std::int64_t nd = x.dim();
  return detail::dispatch(x.dtype(), "nonzero", [&](auto tag) {
    using T = decltype(tag);
    const T* p = x.data<T>();
    std::int64_t count = 0;
    for (std::int64_t i = 0; i < x.numel(); ++i) count += p[i] != T(0);
    Tensor out({count, nd}, kInt64);
    std::int64_t* op = out.data<std::int64_t>();
    std::vector<std::int64_t> m(static_cast<std::size_t>(nd), 0);
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      if (p[i] != T(0)) {
        std::copy(m.begin(), m.end(), op);
        op += nd;
      }
      for (std::int64_t k = nd; k-- > 0;) {
        const auto ku = static_cast<std::size_t>(k);
        if (++m[ku] < x.shape()[ku]) break;
        m[ku] = 0;
      }
    }
    return out;
  });
}

}  // namespace minidl
