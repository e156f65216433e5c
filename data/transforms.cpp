#include "data/transforms.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace minidl::data {
namespace {

// Calls fn(T{}) with the element type of dtype.
template <typename Fn>
void with_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case kFloat32:
      return fn(float{});
    case kFloat64:
      return fn(double{});
    case kInt64:
      return fn(std::int64_t{});
  }
}

// [1, C, 1, ...] with x's rank, holding one value per channel.
Tensor per_channel(const std::vector<double>& v, const Tensor& x) {
  Shape s(static_cast<std::size_t>(x.dim()), 1);
  s[1] = static_cast<std::int64_t>(v.size());
  return from_vector(v, s).to(x.dtype());
}

template <typename T>
void flip_rows(const T* in, T* out, std::int64_t rows, std::int64_t rows_per_sample, std::int64_t w,
               const std::vector<char>& flip) {
  parallel_for(rows, std::max<std::int64_t>(1, kGrainElementwise / std::max<std::int64_t>(w, 1)),
               [&](std::int64_t b, std::int64_t e) {
                 for (std::int64_t r = b; r < e; ++r) {
                   const T* src = in + r * w;
                   T* dst = out + r * w;
                   if (flip[static_cast<std::size_t>(r / rows_per_sample)]) {
                     for (std::int64_t j = 0; j < w; ++j) dst[j] = src[w - 1 - j];
                   } else {
                     std::memcpy(dst, src, static_cast<std::size_t>(w) * sizeof(T));
                   }
                 }
               });
}

// out[n, c, y, x] = padded(in)[n, c, top[n] + y, left[n] + x], where padded(in) has `pad` rows
// and columns of `fill` on each side; computed without materialising the padded image.
template <typename T>
void crop_rows(const T* in, T* out, const Shape& in_shape, std::int64_t h, std::int64_t w,
               std::int64_t pad, T fill, const std::int64_t* top, const std::int64_t* left) {
  const std::int64_t c = in_shape[1], hi = in_shape[2], wi = in_shape[3];
  const std::int64_t rows = in_shape[0] * c * h;
  parallel_for(rows, std::max<std::int64_t>(1, kGrainElementwise / std::max<std::int64_t>(w, 1)),
               [&](std::int64_t b, std::int64_t e) {
                 for (std::int64_t r = b; r < e; ++r) {
                   const std::int64_t y = r % h, plane = r / h, n = plane / c;
                   T* dst = out + r * w;
                   const std::int64_t sy = top[n] + y - pad, sx0 = left[n] - pad;
                   if (sy < 0 || sy >= hi) {
                     std::fill(dst, dst + w, fill);
                     continue;
                   }
                   const T* src = in + (plane * hi + sy) * wi;
                   const std::int64_t x0 = std::clamp<std::int64_t>(-sx0, 0, w);
                   const std::int64_t x1 = std::clamp<std::int64_t>(wi - sx0, x0, w);
                   std::fill(dst, dst + x0, fill);
                   std::copy(src + sx0 + x0, src + sx0 + x1, dst + x0);
                   std::fill(dst + x1, dst + w, fill);
                 }
               });
}

}  // namespace

Transform normalize(std::vector<double> mean, std::vector<double> stddev) {
  MINIDL_CHECK(!mean.empty() && mean.size() == stddev.size(), "normalize: mean has ", mean.size(),
               " values and stddev ", stddev.size(), "; need the same, at least one");
  for (double s : stddev) MINIDL_CHECK(s > 0.0, "normalize: stddev must be > 0, got ", s);
  return [mean = std::move(mean), stddev = std::move(stddev)](const Tensor& x, Generator&) {
    MINIDL_CHECK(x.dim() >= 2 && is_floating(x.dtype()),
                 "normalize: expects floating inputs [N, C, ...], got ", dtype_name(x.dtype()), " ",
                 shape_str(x.shape()));
    const auto k = static_cast<std::int64_t>(mean.size());
    MINIDL_CHECK(k == 1 || k == x.size(1), "normalize: ", k, " channel values for inputs ",
                 shape_str(x.shape()), " with ", x.size(1), " channels on axis 1");
    return div(sub(x, per_channel(mean, x)), per_channel(stddev, x));
  };
}

Transform random_horizontal_flip(double p) {
  MINIDL_CHECK(p >= 0.0 && p <= 1.0, "random_horizontal_flip: p must be in [0, 1], got ", p);
  return [p](const Tensor& x, Generator& gen) {
    MINIDL_CHECK(x.dim() >= 3, "random_horizontal_flip: expects images [N, C, H, W] or [N, H, W], ",
                 "got ", shape_str(x.shape()));
    const std::int64_t n = x.size(0);
    const Tensor u = rand({n}, gen, kFloat64);
    std::vector<char> flip(static_cast<std::size_t>(n));
    bool any = false;
    for (std::int64_t i = 0; i < n; ++i) any |= (flip[static_cast<std::size_t>(i)] = u.at(i) < p);
    if (!any || x.numel() == 0) return x;
    Tensor out(x.shape(), x.dtype());
    const std::int64_t w = x.size(-1), rows = x.numel() / w;
    with_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      flip_rows(x.data<T>(), out.data<T>(), rows, rows / n, w, flip);
    });
    return out;
  };
}

Transform random_crop(const RandomCropOptions& o) {
  MINIDL_CHECK(o.height > 0 && o.width > 0 && o.padding >= 0, "random_crop: size ", o.height, "x",
               o.width, " must be positive and padding ", o.padding, " non-negative");
  return [o](const Tensor& x, Generator& gen) {
    MINIDL_CHECK(x.dim() == 4, "random_crop: expects [N, C, H, W], got ", shape_str(x.shape()));
    const std::int64_t hp = x.size(2) + 2 * o.padding, wp = x.size(3) + 2 * o.padding;
    MINIDL_CHECK(o.height <= hp && o.width <= wp, "random_crop: crop ", o.height, "x", o.width,
                 " is larger than the padded image ", hp, "x", wp, " (inputs ",
                 shape_str(x.shape()), ", padding ", o.padding, ")");
    const std::int64_t n = x.size(0);
    const Tensor top = randint(0, hp - o.height + 1, {n}, gen);
    const Tensor left = randint(0, wp - o.width + 1, {n}, gen);
    Tensor out({n, x.size(1), o.height, o.width}, x.dtype());
    if (out.numel() == 0) return out;
    with_dtype(x.dtype(), [&](auto tag) {
      using T = decltype(tag);
      crop_rows(x.data<T>(), out.data<T>(), x.shape(), o.height, o.width, o.padding,
                static_cast<T>(o.fill), top.data<std::int64_t>(), left.data<std::int64_t>());
    });
    return out;
  };
}

Transform random_resized_crop(const RandomResizedCropOptions& o) {
  static constexpr const char* kOp = "random_resized_crop";
  MINIDL_CHECK(o.height > 0 && o.width > 0, kOp, ": size ", o.height, "x", o.width,
               " must be positive");
  MINIDL_CHECK(0 < o.scale_min && o.scale_min <= o.scale_max && o.scale_max <= 1.0, kOp,
               ": scale range [", o.scale_min, ", ", o.scale_max,
               "] must lie in (0, 1], min <= max");
  MINIDL_CHECK(0 < o.ratio_min && o.ratio_min <= o.ratio_max, kOp, ": ratio range [", o.ratio_min,
               ", ", o.ratio_max, "] must be positive, min <= max");
  return [o](const Tensor& x, Generator& gen) {
    MINIDL_CHECK(x.dim() == 4 && is_floating(x.dtype()), kOp,
                 ": expects floating [N, C, H, W], got ", dtype_name(x.dtype()), " ",
                 shape_str(x.shape()));
    const std::int64_t n = x.size(0), c = x.size(1), hi = x.size(2), wi = x.size(3);
    const double area = static_cast<double>(hi * wi);
    const std::vector<double> in = x.to(kFloat64).values<double>();
    std::vector<double> out(static_cast<std::size_t>(n * c * o.height * o.width));
    for (std::int64_t s = 0; s < n; ++s) {
      std::int64_t h = 0, w = 0, top = 0, left = 0;
      bool found = false;
      for (int attempt = 0; attempt < 10 && !found; ++attempt) {
        const double target = area * (o.scale_min + (o.scale_max - o.scale_min) * gen.uniform());
        const double lr0 = std::log(o.ratio_min), lr1 = std::log(o.ratio_max);
        const double r = std::exp(lr0 + (lr1 - lr0) * gen.uniform());
        w = std::llround(std::sqrt(target * r));
        h = std::llround(std::sqrt(target / r));
        if (w > 0 && w <= wi && h > 0 && h <= hi) {
          top = static_cast<std::int64_t>(gen.next_u64() % static_cast<std::uint64_t>(hi - h + 1));
          left = static_cast<std::int64_t>(gen.next_u64() % static_cast<std::uint64_t>(wi - w + 1));
          found = true;
        }
      }
      if (!found) {  // the central crop of the ratio clamped to the range
        const double in_ratio = static_cast<double>(wi) / static_cast<double>(hi);
        w = wi;
        h = hi;
        if (in_ratio < o.ratio_min) h = std::max<std::int64_t>(1, std::llround(wi / o.ratio_min));
        if (in_ratio > o.ratio_max) w = std::max<std::int64_t>(1, std::llround(hi * o.ratio_max));
        top = (hi - h) / 2;
        left = (wi - w) / 2;
      }
      // bilinear source coordinates, align_corners = false, clamped to the crop
      auto source = [](std::int64_t i, std::int64_t in_size, std::int64_t out_size) {
        const double v = (static_cast<double>(i) + 0.5) * static_cast<double>(in_size) /
                             static_cast<double>(out_size) -
                         0.5;
        return std::clamp(v, 0.0, static_cast<double>(in_size - 1));
      };
      for (std::int64_t ch = 0; ch < c; ++ch) {
        const double* plane = in.data() + (s * c + ch) * hi * wi;
        double* dst = out.data() + (s * c + ch) * o.height * o.width;
        for (std::int64_t i = 0; i < o.height; ++i) {
          const double sy = source(i, h, o.height);
          const auto y0 = static_cast<std::int64_t>(sy);
          const std::int64_t y1 = std::min(y0 + 1, h - 1);
          const double fy = sy - static_cast<double>(y0);
          for (std::int64_t j = 0; j < o.width; ++j) {
            const double sx = source(j, w, o.width);
            const auto x0 = static_cast<std::int64_t>(sx);
            const std::int64_t x1 = std::min(x0 + 1, w - 1);
            const double fx = sx - static_cast<double>(x0);
            auto at = [&](std::int64_t yy, std::int64_t xx) {
              return plane[(top + yy) * wi + left + xx];
            };
            dst[i * o.width + j] = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x1)) +
                                   fy * ((1 - fx) * at(y1, x0) + fx * at(y1, x1));
          }
        }
      }
    }
    return from_vector(out, {n, c, o.height, o.width}).to(x.dtype());
  };
}

Transform gaussian_noise(double stddev, double mean) {
  MINIDL_CHECK(stddev >= 0.0, "gaussian_noise: stddev must be >= 0, got ", stddev);
  return [stddev, mean](const Tensor& x, Generator& gen) {
    MINIDL_CHECK(is_floating(x.dtype()), "gaussian_noise: expects floating inputs, got ",
                 dtype_name(x.dtype()));
    return add(x, randn(x.shape(), gen, x.dtype(), mean, stddev));
  };
}

Transform compose(std::vector<Transform> transforms) {
  for (std::size_t i = 0; i < transforms.size(); ++i)
    MINIDL_CHECK(static_cast<bool>(transforms[i]), "compose: transform ", i, " is empty");
  return [ts = std::move(transforms)](const Tensor& x, Generator& gen) {
    Tensor y = x;
    for (const Transform& t : ts) y = t(y, gen);
    return y;
  };
}

std::pair<std::vector<double>, std::vector<double>> channel_mean_std(const Tensor& x) {
  MINIDL_CHECK(x.dim() >= 2 && x.numel() > 0, "channel_mean_std: expects a non-empty [N, C, ...], ",
               "got ", shape_str(x.shape()));
  Axes axes{0};
  for (std::int64_t a = 2; a < x.dim(); ++a) axes.push_back(a);
  // float32 reductions accumulate in double (tensor/ops.h): no float64 copy of a large x needed.
  return {mean(x, axes).to_vector(), minidl::std(x, axes, 0).to_vector()};
}

}  // namespace minidl::data
