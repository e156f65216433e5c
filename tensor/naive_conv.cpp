// Naive references for convolution and pooling; see tensor/naive_conv.h.
#include "tensor/naive_conv.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace minidl::naive {
namespace {

// The output size straight from PyTorch's formula (torch.nn.MaxPool2d docs): floor or ceil of
// (in + 2p - d(k-1) - 1) / s, plus one, then ceil_mode's rule that the last window starts before
// in + p.
std::int64_t out_size(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t p,
                      std::int64_t d, bool ceil_mode) {
  const double span = static_cast<double>(in + 2 * p - d * (k - 1) - 1) / static_cast<double>(s);
  auto o = static_cast<std::int64_t>(ceil_mode ? std::ceil(span) : std::floor(span)) + 1;
  if (ceil_mode && (o - 1) * s >= in + p) --o;
  return o;
}

struct Grid {
  std::int64_t n, c, h, w, oh, ow;
};

Grid grid(const Shape& s, const Window2d& win) {
  return {
      s[0],
      s[1],
      s[2],
      s[3],
      out_size(s[2], win.kernel[0], win.stride[0], win.padding[0], win.dilation[0], win.ceil_mode),
      out_size(s[3], win.kernel[1], win.stride[1], win.padding[1], win.dilation[1], win.ceil_mode)};
}

// Input pixel coordinate of window position o at kernel offset k along one axis (0 = h, 1 = w).
std::int64_t src(const Window2d& win, int axis, std::int64_t o, std::int64_t k) {
  const auto a = static_cast<std::size_t>(axis);
  return o * win.stride[a] - win.padding[a] + k * win.dilation[a];
}

Tensor make(const std::vector<double>& v, const Shape& shape, DType dt) {
  return from_vector(v, {static_cast<std::int64_t>(v.size())}).reshape(shape).to(dt);
}

}  // namespace

Tensor im2col(const Tensor& x, const Window2d& win) {
  const Grid g = grid(x.shape(), win);
  const std::int64_t kh = win.kernel[0], kw = win.kernel[1], l = g.oh * g.ow;
  const std::vector<double> xv = x.to_vector();
  std::vector<double> out(static_cast<std::size_t>(g.c * kh * kw * g.n * l), 0.0);
  for (std::int64_t c = 0; c < g.c; ++c)
    for (std::int64_t i = 0; i < kh; ++i)
      for (std::int64_t j = 0; j < kw; ++j)
        for (std::int64_t n = 0; n < g.n; ++n)
          for (std::int64_t r = 0; r < g.oh; ++r)
            for (std::int64_t q = 0; q < g.ow; ++q) {
              const std::int64_t ih = src(win, 0, r, i), iw = src(win, 1, q, j);
              if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
              const std::int64_t row = (c * kh + i) * kw + j, col = n * l + r * g.ow + q;
              out[static_cast<std::size_t>(row * g.n * l + col)] =
                  xv[static_cast<std::size_t>(((n * g.c + c) * g.h + ih) * g.w + iw)];
            }
  return make(out, {g.c * kh * kw, g.n * l}, x.dtype());
}

Tensor col2im(const Tensor& cols, Pair image, const Window2d& win) {
  const std::int64_t kh = win.kernel[0], kw = win.kernel[1];
  const std::int64_t c = cols.size(0) / (kh * kw);
  Grid g = grid({1, c, image[0], image[1]}, win);
  const std::int64_t l = g.oh * g.ow;
  g.n = cols.size(1) / l;
  const std::vector<double> cv = cols.to_vector();
  std::vector<double> out(static_cast<std::size_t>(g.n * c * g.h * g.w), 0.0);
  for (std::int64_t ci = 0; ci < c; ++ci)
    for (std::int64_t i = 0; i < kh; ++i)
      for (std::int64_t j = 0; j < kw; ++j)
        for (std::int64_t n = 0; n < g.n; ++n)
          for (std::int64_t r = 0; r < g.oh; ++r)
            for (std::int64_t q = 0; q < g.ow; ++q) {
              const std::int64_t ih = src(win, 0, r, i), iw = src(win, 1, q, j);
              if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
              const std::int64_t row = (ci * kh + i) * kw + j, col = n * l + r * g.ow + q;
              out[static_cast<std::size_t>(((n * c + ci) * g.h + ih) * g.w + iw)] +=
                  cv[static_cast<std::size_t>(row * g.n * l + col)];
            }
  return make(out, {g.n, c, g.h, g.w}, cols.dtype());
}

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Pair stride, Pair padding,
              Pair dilation, std::int64_t groups) {
  const Window2d win{{weight.size(2), weight.size(3)}, stride, padding, dilation, false};
  const Grid g = grid(x.shape(), win);
  const std::int64_t co = weight.size(0), cg = weight.size(1), og = co / groups;
  const std::int64_t kh = win.kernel[0], kw = win.kernel[1];
  const std::vector<double> xv = x.to_vector(), wv = weight.to_vector();
  const std::vector<double> bv =
      bias.defined() ? bias.to_vector() : std::vector<double>(static_cast<std::size_t>(co), 0.0);
  std::vector<double> out(static_cast<std::size_t>(g.n * co * g.oh * g.ow));
  for (std::int64_t n = 0; n < g.n; ++n)
    for (std::int64_t o = 0; o < co; ++o)
      for (std::int64_t r = 0; r < g.oh; ++r)
        for (std::int64_t q = 0; q < g.ow; ++q) {
          double acc = bv[static_cast<std::size_t>(o)];
          for (std::int64_t c = 0; c < cg; ++c)
            for (std::int64_t i = 0; i < kh; ++i)
              for (std::int64_t j = 0; j < kw; ++j) {
                const std::int64_t ih = src(win, 0, r, i), iw = src(win, 1, q, j);
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                const std::int64_t ci = (o / og) * cg + c;
                acc += xv[static_cast<std::size_t>(((n * g.c + ci) * g.h + ih) * g.w + iw)] *
                       wv[static_cast<std::size_t>(((o * cg + c) * kh + i) * kw + j)];
              }
          out[static_cast<std::size_t>(((n * co + o) * g.oh + r) * g.ow + q)] = acc;
        }
  return make(out, {g.n, co, g.oh, g.ow}, x.dtype());
}

std::pair<Tensor, Tensor> max_pool2d(const Tensor& x, const Window2d& win) {
  const Grid g = grid(x.shape(), win);
  const std::vector<double> xv = x.to_vector();
  const auto m = static_cast<std::size_t>(g.n * g.c * g.oh * g.ow);
  std::vector<double> vals(m);
  std::vector<std::int64_t> idx(m);
  for (std::int64_t p = 0; p < g.n * g.c; ++p)
    for (std::int64_t r = 0; r < g.oh; ++r)
      for (std::int64_t q = 0; q < g.ow; ++q) {
        double best = -std::numeric_limits<double>::infinity();
        std::int64_t at = -1;
        for (std::int64_t i = 0; i < win.kernel[0]; ++i)
          for (std::int64_t j = 0; j < win.kernel[1]; ++j) {
            const std::int64_t ih = src(win, 0, r, i), iw = src(win, 1, q, j);
            if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
            const double v = xv[static_cast<std::size_t>((p * g.h + ih) * g.w + iw)];
            if (at < 0 || v > best || std::isnan(v)) {
              best = v;
              at = ih * g.w + iw;
            }
          }
        const auto o = static_cast<std::size_t>((p * g.oh + r) * g.ow + q);
        vals[o] = best;
        idx[o] = at;
      }
  const Shape shape{g.n, g.c, g.oh, g.ow};
  return {make(vals, shape, x.dtype()), from_vector(idx, shape)};
}

Tensor avg_pool2d(const Tensor& x, const Window2d& win, bool count_include_pad) {
  const Grid g = grid(x.shape(), win);
  const std::int64_t kh = win.kernel[0], kw = win.kernel[1];
  const std::vector<double> xv = x.to_vector();
  std::vector<double> out(static_cast<std::size_t>(g.n * g.c * g.oh * g.ow));
  for (std::int64_t p = 0; p < g.n * g.c; ++p)
    for (std::int64_t r = 0; r < g.oh; ++r)
      for (std::int64_t q = 0; q < g.ow; ++q) {
        // The window, clipped first to the padded image, then to the image.
        std::int64_t h0 = src(win, 0, r, 0), w0 = src(win, 1, q, 0);
        std::int64_t h1 = std::min(h0 + kh, g.h + win.padding[0]);
        std::int64_t w1 = std::min(w0 + kw, g.w + win.padding[1]);
        const std::int64_t padded = (h1 - h0) * (w1 - w0);
        h0 = std::max<std::int64_t>(h0, 0);
        w0 = std::max<std::int64_t>(w0, 0);
        h1 = std::min(h1, g.h);
        w1 = std::min(w1, g.w);
        double acc = 0;
        for (std::int64_t ih = h0; ih < h1; ++ih)
          for (std::int64_t iw = w0; iw < w1; ++iw)
            acc += xv[static_cast<std::size_t>((p * g.h + ih) * g.w + iw)];
        const std::int64_t count = count_include_pad ? padded : (h1 - h0) * (w1 - w0);
        out[static_cast<std::size_t>((p * g.oh + r) * g.ow + q)] = acc / static_cast<double>(count);
      }
  return make(out, {g.n, g.c, g.oh, g.ow}, x.dtype());
}

}  // namespace minidl::naive
