// Max pooling (see tensor/conv.h for the layout and shapes):
//   y[n, c, i, j] = max over the window's pixels inside the image of x[n, c, ih, iw],
//   idx = the first maximum's index ih * W + iw (or, compact, its window offset kh * kW + kw),
//   dx = g added at idx, zero elsewhere.
// Window by window, with the kernel offsets inside the image precomputed per output row and
// column, and a branch-free fast path for whole 2x2 windows (blocks of 8 or 4 at stride 2).
// Planes are independent and each is done in a fixed order: the same bits on any thread count.
#include <algorithm>
#include <bit>
#if defined(__AVX2__)
#include <immintrin.h>
#endif
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "tensor/conv.h"
#include "tensor/conv_kernels.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/parallel.h"

namespace minidl {
namespace {

using namespace detail;  // the geometry of tensor/conv_kernels.h

// take ? a : b on the bits. Written as masks because the compiler turns a plain `?:` on floats
// here into a compare-and-branch, which mispredicts on about half the pixels of real activations
// (measured 2x slower on the CNN's 2x2 pooling).
template <typename T>
T select(bool take, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const U m = U{0} - static_cast<U>(take);
  return std::bit_cast<T>(static_cast<U>((std::bit_cast<U>(a) & m) | (std::bit_cast<U>(b) & ~m)));
}

// The first maximum of one window: kernel rows [rr.lo, rr.hi) and columns [cr.lo, cr.hi) are the
// ones inside the image; kernel offset (i, j) is pixel base + i * rstep + j * cstep. Returns that
// pixel's index in the plane, or with kOff the window offset i * kw + j.
template <bool kOff, typename T>
std::int64_t window_argmax(const T* plane, std::int64_t base, Range rr, Range cr,
                           std::int64_t rstep, std::int64_t cstep, std::int64_t kw) {
  // An all -inf window points at its first pixel inside the image.
  std::int64_t at = kOff ? rr.lo * kw + cr.lo : base + rr.lo * rstep + cr.lo * cstep;
  T best = -std::numeric_limits<T>::infinity();
  for (std::int64_t i = rr.lo; i < rr.hi; ++i) {
    for (std::int64_t j = cr.lo; j < cr.hi; ++j) {
      const std::int64_t p = base + i * rstep + j * cstep;
      const T v = plane[p];
      const std::int64_t here = kOff ? i * kw + j : p;
      // PyTorch's rule: strictly greater replaces (the first maximum wins); a NaN always does
      // (so the last NaN wins).
      // `|`, not `||`, and bit selects: no branch.
      const bool take = (v > best) | (v != v);
      best = select(take, v, best);
      at = select(take, here, at);
    }
  }
  return at;
}

// A whole 2x2 window, the common pooling, as a two-level tournament: the first maximum of the top
// pair, of the bottom pair, then the bottom one only if strictly greater (ties keep the earlier
// pixel in row-major order, as the loop would). Three independent compares instead of a chain
// of four dependent ones: ~3x faster than window_argmax here. A NaN (or an inf - inf) in the sum
// sends the window to the exact loop.
template <bool kOff, typename T>
std::int64_t argmax_2x2(const T* plane, std::int64_t base, std::int64_t rstep, std::int64_t cstep) {
  const T a = plane[base], b = plane[base + cstep];
  const T c = plane[base + rstep], d = plane[base + rstep + cstep];
  const T sum = (a + b) + (c + d);
  if (sum != sum) return window_argmax<kOff>(plane, base, {0, 2}, {0, 2}, rstep, cstep, 2);
  const bool right_top = b > a, right_bottom = d > c;
  const T top = right_top ? b : a, bottom = right_bottom ? d : c;
  // As offsets: base 0, one column 1, one row 2.
  const std::int64_t b0 = kOff ? 0 : base, rs = kOff ? 2 : rstep, cs = kOff ? 1 : cstep;
  const std::int64_t top_at = b0 + select<std::int64_t>(right_top, cs, 0);
  const std::int64_t bottom_at = b0 + rs + select<std::int64_t>(right_bottom, cs, 0);
  return select(bottom > top, bottom_at, top_at);
}

// The window offsets of kB 2x2 windows from the tournament's lane masks (bit k for window k):
// 2 if the bottom pair won (down), plus 1 if the winning pair's right pixel did. Spread into one
// byte per window by pdep and stored at once: a per-lane loop ran slower than the int64 indices.
template <int kB>
void store_offsets(std::uint8_t* out, int down, int right_top, int right_bottom) {
  const auto right = static_cast<std::uint64_t>((down & right_bottom) | (~down & right_top));
  const auto d = static_cast<std::uint64_t>(down);
#if defined(__BMI2__) && defined(__AVX2__)
  const std::uint64_t bytes =
      _pdep_u64(d, 0x0101010101010101ULL) * 2 + _pdep_u64(right, 0x0101010101010101ULL);
  std::memcpy(out, &bytes, kB);  // little-endian: byte k is window k
#else
  for (int k = 0; k < kB; ++k)
    out[k] = static_cast<std::uint8_t>(2 * ((d >> k) & 1) + ((right >> k) & 1));
#endif
}

// The same masks as plane indices: window k's argmax at base + 2 k (+ w if down, + 1 if right).
template <int kB>
void store_indices(std::int64_t* out, int down, int right_top, int right_bottom, std::int64_t base,
                   std::int64_t w) {
  for (int k = 0; k < kB; ++k) {
    // Masks, not `down ? right_bottom : right_top`: GCC branches on it, mispredicting on half the
    // windows.
    const std::int64_t dn = (down >> k) & 1,
                       right = (((down & right_bottom) | (~down & right_top)) >> k) & 1;
    out[k] = base + 2 * k + dn * w + right;
  }
}

// kB (8 or 4) whole 2x2 windows side by side at stride 2 (dilation 1), the CNN's pooling,
// starting at pixel base: the tournament of argmax_2x2 in fixed-trip loops over the block, with
// no per-window range tests. Returns false, writing nothing, if the block holds a NaN (or inf -
// inf): the caller then goes window by window.
// out gets plane indices (int64) or window offsets 0-3 (uint8).
template <int kB, typename T, typename O>
bool argmax_2x2_s2_block(const T* plane, std::int64_t base, std::int64_t w, O* out, T* vals) {
  constexpr bool kOff = std::is_same_v<O, std::uint8_t>;
#if defined(__AVX2__)
  if constexpr (std::is_same_v<T, float> && kB == 4) {
    // 4 lanes: 8 pixels of each row; one shuffle splits them into even and odd columns.
    auto split = [](const float* p, bool odd) {
      const __m128 lo = _mm_loadu_ps(p), hi = _mm_loadu_ps(p + 4);
      return odd ? _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))
                 : _mm_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
    };
    const __m128 a = split(plane + base, false), b = split(plane + base, true);
    const __m128 c = split(plane + base + w, false), d = split(plane + base + w, true);
    const __m128 sum = _mm_add_ps(_mm_add_ps(a, b), _mm_add_ps(c, d));
    if (_mm_movemask_ps(_mm_cmpord_ps(sum, sum)) != 0xF) return false;
    const __m128 rt = _mm_cmpgt_ps(b, a), rb = _mm_cmpgt_ps(d, c);
    const __m128 top = _mm_blendv_ps(a, b, rt), bottom = _mm_blendv_ps(c, d, rb);
    const __m128 tb = _mm_cmpgt_ps(bottom, top);
    if (vals != nullptr) _mm_storeu_ps(vals, _mm_blendv_ps(top, bottom, tb));
    const int mt = _mm_movemask_ps(rt), mb = _mm_movemask_ps(rb), mtb = _mm_movemask_ps(tb);
    if constexpr (kOff)
      store_offsets<4>(out, mtb, mt, mb);
    else
      store_indices<4>(out, mtb, mt, mb, base, w);
    return true;
  }
  if constexpr (std::is_same_v<T, float> && kB == 8) {
    // The same tournament on 8 lanes: 16 pixels of each row, split into even (left) and odd
    // (right) columns; compares are ordered (false on NaN), and a NaN sum sends the block back.
    auto split = [](const float* p, bool odd) {
      const __m256 lo = _mm256_loadu_ps(p), hi = _mm256_loadu_ps(p + 8);
      const __m256 s = odd ? _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(3, 1, 3, 1))
                           : _mm256_shuffle_ps(lo, hi, _MM_SHUFFLE(2, 0, 2, 0));
      return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
    };
    const __m256 a = split(plane + base, false), b = split(plane + base, true);
    const __m256 c = split(plane + base + w, false), d = split(plane + base + w, true);
    const __m256 sum = _mm256_add_ps(_mm256_add_ps(a, b), _mm256_add_ps(c, d));
    if (_mm256_movemask_ps(_mm256_cmp_ps(sum, sum, _CMP_ORD_Q)) != 0xFF) return false;
    const __m256 rt = _mm256_cmp_ps(b, a, _CMP_GT_OQ), rb = _mm256_cmp_ps(d, c, _CMP_GT_OQ);
    const __m256 top = _mm256_blendv_ps(a, b, rt), bottom = _mm256_blendv_ps(c, d, rb);
    const __m256 tb = _mm256_cmp_ps(bottom, top, _CMP_GT_OQ);
    if (vals != nullptr) _mm256_storeu_ps(vals, _mm256_blendv_ps(top, bottom, tb));
    const int mt = _mm256_movemask_ps(rt), mb = _mm256_movemask_ps(rb),
              mtb = _mm256_movemask_ps(tb);
    if constexpr (kOff)
      store_offsets<8>(out, mtb, mt, mb);
    else
      store_indices<8>(out, mtb, mt, mb, base, w);
    return true;
  }
#endif
  T a[kB], b[kB], c[kB], d[kB];
  for (int k = 0; k < kB; ++k) {
    a[k] = plane[base + 2 * k];
    b[k] = plane[base + 2 * k + 1];
    c[k] = plane[base + w + 2 * k];
    d[k] = plane[base + w + 2 * k + 1];
  }
  bool bad = false;
  for (int k = 0; k < kB; ++k) {
    const T sum = (a[k] + b[k]) + (c[k] + d[k]);
    bad |= sum != sum;
  }
  if (bad) return false;
  for (int k = 0; k < kB; ++k) {
    const bool right_top = b[k] > a[k], right_bottom = d[k] > c[k];
    const T top = select(right_top, b[k], a[k]), bottom = select(right_bottom, d[k], c[k]);
    const bool take_bottom = bottom > top;
    const std::int64_t right = select<std::int64_t>(take_bottom, right_bottom, right_top);
    if constexpr (kOff) {
      out[k] = static_cast<O>(select<std::int64_t>(take_bottom, 2, 0) + right);
    } else {
      out[k] = base + 2 * k + select<std::int64_t>(take_bottom, w, 0) + right;
    }
    if (vals != nullptr) vals[k] = select(take_bottom, bottom, top);
  }
  return true;
}

// Max pooling of planes [b, e); rows / cols are kernel_ranges. vals (may be null) gets the
// maxima beside the argmax: plane indices (O = int64) or window offsets (O = uint8).
template <bool k2x2, typename T, typename O>
void max_pool_planes(const T* x, O* out, T* vals, Geometry g, const Range* rows, const Range* cols,
                     std::int64_t b, std::int64_t e) {
  constexpr bool kOff = std::is_same_v<O, std::uint8_t>;
  // A second kernel row lands in the image only if dh < H + pH; otherwise rstep is never used,
  // and dh * W (dh from the caller, unbounded) might not fit.
  const std::int64_t rstep = g.dh < g.h + g.ph ? g.dh * g.w : 0, cstep = g.dw;
  const bool s2 = k2x2 && g.sh == 2 && g.sw == 2 && g.dh == 1 && g.dw == 1;
  auto full_col = [&](std::int64_t q) { return cols[q].lo == 0 && cols[q].hi == g.kw; };
  for (std::int64_t u = b; u < e; ++u) {
    const T* plane = x + u * g.plane();
    O* o = out + u * g.l();
    T* v = vals != nullptr ? vals + u * g.l() : nullptr;
    for (std::int64_t r = 0; r < g.oh; ++r) {
      const Range rr = rows[r];
      const bool full_rows = rr.lo == 0 && rr.hi == g.kh;
      const std::int64_t row = (r * g.sh - g.ph) * g.w - g.pw;
      for (std::int64_t q = 0; q < g.ow;) {
        const std::int64_t at = r * g.ow + q;
        // Blocks of 8 (or 4 on rows of 4-7 windows); the last block of a row is moved left to
        // end at the row's end, recomputing a few windows to the same values. Whole windows form
        // one run of columns, so a block whose ends are whole is whole.
        if (s2 && full_rows && g.ow >= 4) {
          const int kb = g.ow >= 8 ? 8 : 4;
          const std::int64_t q0 = std::min(q, g.ow - kb), a0 = r * g.ow + q0;
          T* vb = v != nullptr ? v + a0 : nullptr;
          if (full_col(q0) && full_col(q0 + kb - 1) &&
              (kb == 8 ? argmax_2x2_s2_block<8>(plane, row + q0 * 2, g.w, o + a0, vb)
                       : argmax_2x2_s2_block<4>(plane, row + q0 * 2, g.w, o + a0, vb))) {
            q = q0 + kb;
            continue;
          }
        }
        const Range cr = cols[q];
        const std::int64_t base = row + q * g.sw;
        const std::int64_t m = k2x2 && full_rows && cr.lo == 0 && cr.hi == g.kw
                                   ? argmax_2x2<kOff>(plane, base, rstep, cstep)
                                   : window_argmax<kOff>(plane, base, rr, cr, rstep, cstep, g.kw);
        o[at] = static_cast<O>(m);
        if (v != nullptr) v[at] = plane[kOff ? base + m / g.kw * rstep + m % g.kw * cstep : m];
        ++q;
      }
    }
  }
}

// The same [N, C, H, W] check as im2col's (tensor/conv.cpp).
Shape4 image_shape(const Tensor& x, const char* op) {
  MINIDL_CHECK(x.defined(), op, ": undefined tensor");
  MINIDL_CHECK(x.dim() == 4, op, ": input must be [N, C, H, W], got shape ", shape_str(x.shape()));
  return {x.size(0), x.size(1), x.size(2), x.size(3)};
}

}  // namespace

namespace {

// max_pool2d_indices, max_pool2d_forward and max_pool2d_forward_offsets: the argmax as int64
// indices or, with offsets, as uint8 window offsets packed in an int64 tensor; the values too when
// with_values.
std::pair<Tensor, Tensor> max_pool2d_impl(const Tensor& x, const Window2d& w, bool with_values,
                                          bool offsets) {
  const Shape4 s = image_shape(x, "max_pool2d");
  const Geometry g = geometry(s, w, window_out_size(w, {s[2], s[3]}, "max_pool2d"));
  // Window pixels are addressed as ih * W + iw with padding included: the padded plane must fit.
  MINIDL_CHECK(checked_numel({g.h + 2 * g.ph + g.sh, g.w + 2 * g.pw + g.sw}), "max_pool2d: input ",
               g.h, "x", g.w, " with padding ", g.ph, "x", g.pw, " is too large to index in int64");
  const std::int64_t count = shape_numel({g.n, g.c, g.oh, g.ow}, "max_pool2d");
  MINIDL_CHECK(!offsets || g.kh * g.kw <= 256, "max_pool2d: a ", g.kh, "x", g.kw,
               " window has more offsets than a byte holds");
  Tensor out = offsets ? Tensor({(count + 7) / 8}, kInt64) : Tensor({g.n, g.c, g.oh, g.ow}, kInt64);
  Tensor vals = with_values ? Tensor({g.n, g.c, g.oh, g.ow}, x.dtype()) : Tensor();
  // An empty batch of a huge image has nothing to pool (and per-position tables could not fit).
  if (count == 0) return {vals, out};
  const auto kr = kernel_ranges(g.oh, g.kh, g.sh, g.ph, g.dh, g.h);
  const auto kc = kernel_ranges(g.ow, g.kw, g.sw, g.pw, g.dw, g.w);
  // Checked up front (not inside the parallel loop), so the error does not depend on scheduling.
  // A window is all padding exactly when its kernel-row or kernel-column range is empty.
  for (std::size_t a = 0; a < kr.size() + kc.size(); ++a) {
    const bool is_row = a < kr.size();
    const Range r = is_row ? kr[a] : kc[a - kr.size()];
    MINIDL_CHECK(r.lo < r.hi, "max_pool2d: the windows at output ", is_row ? "row " : "column ",
                 is_row ? a : a - kr.size(), " lie entirely in padding (input ", g.h, "x", g.w,
                 ", padding ", g.ph, "x", g.pw, ", dilation ", g.dh, "x", g.dw, ")");
  }
  detail::dispatch_floating(x.dtype(), "max_pool2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xp = x.data<T>();
    T* vp = with_values ? vals.data<T>() : nullptr;
    auto pool = [&](auto* op) {
      const bool k2x2 = g.kh == 2 && g.kw == 2;
      detail::run_chunks(g.n * g.c, g.plane_grain(), [&](std::int64_t b, std::int64_t e) {
        if (k2x2) {
          max_pool_planes<true>(xp, op, vp, g, kr.data(), kc.data(), b, e);
        } else {
          max_pool_planes<false>(xp, op, vp, g, kr.data(), kc.data(), b, e);
        }
      });
    };
    if (offsets) {
      pool(reinterpret_cast<std::uint8_t*>(out.data<std::int64_t>()));
    } else {
      pool(out.data<std::int64_t>());
    }
  });
  return {vals, out};
}

// Per window offset k = i * kW + j, its pixel's distance i * dH * W + j * dW from the window's
// origin (r sH - pH) W + q sW - pW; and those origins per output row and column.
struct OffsetTables {
  std::vector<std::int64_t> delta, row, col;
};
OffsetTables offset_tables(const Geometry& g) {
  OffsetTables t;
  for (std::int64_t i = 0; i < g.kh; ++i)
    for (std::int64_t j = 0; j < g.kw; ++j) t.delta.push_back(i * g.dh * g.w + j * g.dw);
  for (std::int64_t r = 0; r < g.oh; ++r) t.row.push_back((r * g.sh - g.ph) * g.w);
  for (std::int64_t q = 0; q < g.ow; ++q) t.col.push_back(q * g.sw - g.pw);
  return t;
}

Geometry offsets_geometry(const Tensor& g, const Tensor& offsets, Pair image, const Window2d& w,
                          const char* op) {
  MINIDL_CHECK(g.defined() && offsets.defined() && g.dim() == 4 && offsets.dtype() == kInt64 &&
                   offsets.dim() == 1 && offsets.size(0) == (g.numel() + 7) / 8,
               op, ": gradient ", shape_str(g.shape()), " and packed offsets ",
               shape_str(offsets.shape()), " do not match");
  const Pair out = window_out_size(w, image, op);
  MINIDL_CHECK(out[0] == g.size(2) && out[1] == g.size(3), op, ": gradient ", shape_str(g.shape()),
               " does not match the ", out[0], "x", out[1], " windows");
  return geometry({g.size(0), g.size(1), image[0], image[1]}, w, out);
}

}  // namespace

Tensor max_pool2d_indices(const Tensor& x, const Window2d& w) {
  return max_pool2d_impl(x, w, false, false).second;
}

std::pair<Tensor, Tensor> max_pool2d_forward(const Tensor& x, const Window2d& w) {
  return max_pool2d_impl(x, w, true, false);
}

std::pair<Tensor, Tensor> max_pool2d_forward_offsets(const Tensor& x, const Window2d& w) {
  return max_pool2d_impl(x, w, true, true);
}

// As max_pool2d_backward, plane by plane in window order (the same sums, the same bits), the
// index rebuilt from the byte offset: 1 byte read per window instead of 8.
Tensor max_pool2d_backward_offsets(const Tensor& g, const Tensor& offsets, Pair image,
                                   const Window2d& w) {
  const Geometry geo = offsets_geometry(g, offsets, image, w, "max_pool2d_backward_offsets");
  Tensor dx({geo.n, geo.c, geo.h, geo.w}, g.dtype());
  if (dx.numel() == 0) return dx;
  const OffsetTables t = offset_tables(geo);
  const std::int64_t hw = geo.plane(), l = geo.l();
  detail::dispatch_floating(g.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = g.data<T>();
    const auto* op = reinterpret_cast<const std::uint8_t*>(offsets.data<std::int64_t>());
    T* dp = dx.data<T>();
    const std::int64_t grain = std::max<std::int64_t>(1, kGrainConv / std::max(hw, l));
    detail::run_chunks(geo.n * geo.c, grain, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t u = b; u < e; ++u) {
        T* plane = dp + u * hw;
        std::fill(plane, plane + hw, T(0));
        const std::uint8_t* o = op + u * l;
        const T* gu = gp + u * l;
        for (std::int64_t r = 0; r < geo.oh; ++r) {
          T* prow = plane + t.row[static_cast<std::size_t>(r)];
          for (std::int64_t q = 0; q < geo.ow; ++q)
            prow[t.col[static_cast<std::size_t>(q)] + t.delta[o[r * geo.ow + q]]] +=
                gu[r * geo.ow + q];
        }
      }
    });
  });
  return dx;
}

Tensor max_pool2d_offsets_to_indices(const Tensor& offsets, const Shape& out_shape, Pair image,
                                     const Window2d& w) {
  MINIDL_CHECK(out_shape.size() == 4, "max_pool2d_offsets_to_indices: shape ", shape_str(out_shape),
               " is not [N, C, H_out, W_out]");
  const Tensor probe({out_shape[0], out_shape[1], out_shape[2], out_shape[3]}, kInt64);
  const Geometry geo = offsets_geometry(probe, offsets, image, w, "max_pool2d_offsets_to_indices");
  Tensor idx = probe;
  const OffsetTables t = offset_tables(geo);
  const auto* op = reinterpret_cast<const std::uint8_t*>(offsets.data<std::int64_t>());
  std::int64_t* ip = idx.data<std::int64_t>();
  for (std::int64_t u = 0; u < geo.n * geo.c; ++u)
    for (std::int64_t r = 0; r < geo.oh; ++r)
      for (std::int64_t q = 0; q < geo.ow; ++q) {
        const std::int64_t at = (u * geo.oh + r) * geo.ow + q;
        ip[at] = t.row[static_cast<std::size_t>(r)] + t.col[static_cast<std::size_t>(q)] +
                 t.delta[op[at]];
      }
  return idx;
}

// Plane by plane: zero it, then add each window's gradient at its argmax, in window order (the
// plane stays in cache between the two; zeros_like + scatter_add made two passes over dx).
Tensor max_pool2d_backward(const Tensor& g, const Tensor& indices, Pair image) {
  MINIDL_CHECK(g.defined() && indices.defined() && g.dim() == 4 && g.shape() == indices.shape() &&
                   indices.dtype() == kInt64,
               "max_pool2d_backward: gradient ", shape_str(g.shape()), " and indices ",
               shape_str(indices.shape()), " must be the same [N, C, H_out, W_out] shape");
  const std::int64_t planes = g.size(0) * g.size(1), l = g.size(2) * g.size(3);
  const std::int64_t hw = shape_numel({image[0], image[1]}, "max_pool2d_backward");
  Tensor dx({g.size(0), g.size(1), image[0], image[1]}, g.dtype());
  if (dx.numel() == 0) return dx;
  detail::dispatch_floating(g.dtype(), "max_pool2d_backward", [&](auto tag) {
    using T = decltype(tag);
    const T* gp = g.data<T>();
    const std::int64_t* ip = indices.data<std::int64_t>();
    T* dp = dx.data<T>();
    const std::int64_t grain = std::max<std::int64_t>(1, kGrainConv / std::max(hw, l));
    detail::run_chunks(planes, grain, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t u = b; u < e; ++u) {
        T* plane = dp + u * hw;
        std::fill(plane, plane + hw, T(0));
        for (std::int64_t i = 0; i < l; ++i) plane[ip[u * l + i]] += gp[u * l + i];
      }
    });
  });
  return dx;
}

}  // namespace minidl
