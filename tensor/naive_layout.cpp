// Naive references for the layout ops; see tensor/naive_layout.h. Every function reads its input
// as doubles, visits each output multi-index in row-major order and applies the definition.
#include "tensor/naive_layout.h"

#include <algorithm>

namespace minidl::naive {
namespace {

using Index = std::vector<std::int64_t>;

Index unravel(std::int64_t flat, const Shape& s) {
  Index m(s.size());
  for (std::size_t i = s.size(); i-- > 0;) {
    m[i] = flat % s[i];
    flat /= s[i];
  }
  return m;
}

std::int64_t ravel(const Index& m, const Shape& s) {
  std::int64_t f = 0;
  for (std::size_t i = 0; i < s.size(); ++i) f = f * s[i] + m[i];
  return f;
}

std::size_t axis_of(std::int64_t axis, std::int64_t dim) {
  return static_cast<std::size_t>(axis < 0 ? axis + dim : axis);
}

Tensor make(const std::vector<double>& v, const Shape& shape, DType dt) {
  return from_vector(v, {static_cast<std::int64_t>(v.size())}).reshape(shape).to(dt);
}

// out[m] = x[src(m)] for every output multi-index m.
template <typename F>
Tensor map_index(const Tensor& x, const Shape& out_shape, F src) {
  const std::vector<double> xv = x.to_vector();
  std::vector<double> out(static_cast<std::size_t>(shape_numel(out_shape)));
  for (std::size_t f = 0; f < out.size(); ++f)
    out[f] = xv[static_cast<std::size_t>(
        ravel(src(unravel(static_cast<std::int64_t>(f), out_shape)), x.shape()))];
  return make(out, out_shape, x.dtype());
}

}  // namespace

Tensor permute(const Tensor& x, const Axes& dims) {
  Shape shape(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) shape[i] = x.shape()[axis_of(dims[i], x.dim())];
  return map_index(x, shape, [&](const Index& m) {
    Index s(m.size());
    for (std::size_t i = 0; i < dims.size(); ++i) s[axis_of(dims[i], x.dim())] = m[i];
    return s;
  });
}

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  const std::size_t lead = shape.size() - x.shape().size();
  return map_index(x, shape, [&](const Index& m) {
    Index s(x.shape().size());
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = x.shape()[i] == 1 ? 0 : m[i + lead];
    return s;
  });
}

Tensor slice(const Tensor& x, std::int64_t axis, std::int64_t start, std::int64_t end,
             std::int64_t step) {
  const std::size_t a = axis_of(axis, x.dim());
  const std::int64_t n = x.shape()[a];
  // Python's slice.indices for a positive step.
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::min(std::max(start, std::int64_t{0}), n);
  end = std::min(std::max(end, std::int64_t{0}), n);
  std::int64_t count = 0;
  for (std::int64_t i = start; i < end; i += step) ++count;
  Shape shape = x.shape();
  shape[a] = count;
  return map_index(x, shape, [&](Index m) {
    m[a] = start + m[a] * step;
    return m;
  });
}

Tensor concat(const std::vector<Tensor>& xs, std::int64_t axis) {
  const std::size_t a = axis_of(axis, xs[0].dim());
  Shape shape = xs[0].shape();
  shape[a] = 0;
  for (const auto& t : xs) shape[a] += t.shape()[a];
  std::vector<double> out(static_cast<std::size_t>(shape_numel(shape)));
  for (std::size_t f = 0; f < out.size(); ++f) {
    Index m = unravel(static_cast<std::int64_t>(f), shape);
    std::size_t t = 0;
    while (m[a] >= xs[t].shape()[a]) m[a] -= xs[t++].shape()[a];
    out[f] = xs[t].at(ravel(m, xs[t].shape()));
  }
  return make(out, shape, xs[0].dtype());
}

Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads, double value) {
  const std::size_t nd = x.shape().size();
  Shape shape = x.shape();
  Index before(nd, 0);
  for (std::size_t k = 0; k < pads.size() / 2; ++k) {
    before[nd - 1 - k] = pads[2 * k];
    shape[nd - 1 - k] += pads[2 * k] + pads[2 * k + 1];
  }
  std::vector<double> out(static_cast<std::size_t>(shape_numel(shape)), value);
  for (std::size_t f = 0; f < out.size(); ++f) {
    Index m = unravel(static_cast<std::int64_t>(f), shape);
    bool inside = true;
    for (std::size_t d = 0; d < nd; ++d) {
      m[d] -= before[d];
      inside = inside && m[d] >= 0 && m[d] < x.shape()[d];
    }
    if (inside) out[f] = x.at(ravel(m, x.shape()));
  }
  return make(out, shape, x.dtype());
}

Tensor flip(const Tensor& x, const Axes& axes) {
  return map_index(x, x.shape(), [&](Index m) {
    for (auto ax : axes) {
      const std::size_t a = axis_of(ax, x.dim());
      m[a] = x.shape()[a] - 1 - m[a];
    }
    return m;
  });
}

Tensor gather(const Tensor& x, std::int64_t axis, const Tensor& index) {
  const std::size_t a = axis_of(axis, x.dim());
  return map_index(x, index.shape(), [&](Index m) {
    m[a] = static_cast<std::int64_t>(index.at(ravel(m, index.shape())));
    return m;
  });
}

Tensor scatter_add(const Tensor& x, std::int64_t axis, const Tensor& index, const Tensor& src) {
  const std::size_t a = axis_of(axis, x.dim());
  std::vector<double> out = x.to_vector();
  for (std::int64_t f = 0; f < index.numel(); ++f) {
    Index m = unravel(f, index.shape());
    m[a] = static_cast<std::int64_t>(index.at(f));
    out[static_cast<std::size_t>(ravel(m, x.shape()))] += src.at(f);
  }
  return make(out, x.shape(), x.dtype());
}

Tensor index_select(const Tensor& x, std::int64_t axis, const Tensor& index) {
  const std::size_t a = axis_of(axis, x.dim());
  Shape shape = x.shape();
  shape[a] = index.numel();
  return map_index(x, shape, [&](Index m) {
    m[a] = static_cast<std::int64_t>(index.at(m[a]));
    return m;
  });
}

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  // Promote vectors, then view both as [batch..., rows, cols] as stored.
  const bool av = a.dim() == 1, bv = b.dim() == 1;
  const Shape as = av ? Shape{1, a.shape()[0]} : a.shape();
  const Shape bs = bv ? Shape{b.shape()[0], 1} : b.shape();
  if (av) trans_a = false;
  if (bv) trans_b = false;
  const std::int64_t m = trans_a ? as.back() : as[as.size() - 2];
  const std::int64_t k = trans_a ? as[as.size() - 2] : as.back();
  const std::int64_t n = trans_b ? bs[bs.size() - 2] : bs.back();
  const std::size_t nba = as.size() - 2, nbb = bs.size() - 2, nb = std::max(nba, nbb);
  Shape batch(nb, 1);
  for (std::size_t i = 0; i < nb; ++i) {
    const std::int64_t x = i < nb - nba ? 1 : as[i - (nb - nba)];
    const std::int64_t y = i < nb - nbb ? 1 : bs[i - (nb - nbb)];
    batch[i] = x == 1 ? y : x;
  }
  const std::vector<double> avals = a.to_vector(), bvals = b.to_vector();
  Shape full = batch;
  full.push_back(m);
  full.push_back(n);
  std::vector<double> out(static_cast<std::size_t>(shape_numel(full)));
  for (std::size_t f = 0; f < out.size(); ++f) {
    const Index idx = unravel(static_cast<std::int64_t>(f), full);
    const std::int64_t i = idx[nb], j = idx[nb + 1];
    Index ai(as.size()), bi(bs.size());
    for (std::size_t d = 0; d < nba; ++d) ai[d] = as[d] == 1 ? 0 : idx[d + nb - nba];
    for (std::size_t d = 0; d < nbb; ++d) bi[d] = bs[d] == 1 ? 0 : idx[d + nb - nbb];
    double acc = 0;
    for (std::int64_t p = 0; p < k; ++p) {
      ai[nba] = trans_a ? p : i;
      ai[nba + 1] = trans_a ? i : p;
      bi[nbb] = trans_b ? j : p;
      bi[nbb + 1] = trans_b ? p : j;
      acc += avals[static_cast<std::size_t>(ravel(ai, as))] *
             bvals[static_cast<std::size_t>(ravel(bi, bs))];
    }
    out[f] = acc;
  }
  Shape shape = batch;
  if (!av) shape.push_back(m);
  if (!bv) shape.push_back(n);
  return make(out, shape, a.dtype());
}

}  // namespace minidl::naive
