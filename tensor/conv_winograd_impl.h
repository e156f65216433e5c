// Internal to tensor/conv_winograd.cpp (F(2x2, 3x3), the API, the weight gradient) and
// tensor/conv_winograd4.cpp (F(4x4, 3x3)): the tile grid and the vector blocks their transforms
// share, and the F(4x4, 3x3) forward that conv_winograd.cpp's forward and input gradient call.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace minidl::detail::wino {

// The transforms run along a row of tiles (or along the GEMM columns) in blocks of kB tiles, as
// GCC / Clang vectors of kB elements (the element-wise loops written plainly stayed scalar at -O2:
// the compiler cannot rule out that the rows alias). A block past a row's last tile reads and
// writes up to kB - 1 tiles beyond it: into the next row of tiles or sample, which is written
// later, or into kB columns of slack at the end of each transformed row (ld = tiles + kB) and of
// the products.
// F(4x4, 3x3) also runs 16 float lanes in its AVX-512 functions (tensor/conv_winograd4.cpp): the
// lane count L is a parameter, kB by default.
constexpr std::int64_t kB = 8;
template <std::int64_t L = kB>
inline std::int64_t round_up(std::int64_t n) {
  return (n + L - 1) / L * L;
}

template <typename T, std::int64_t L = kB>
struct Vec {
  typedef T type __attribute__((vector_size(L * sizeof(T))));
};
template <typename T, std::int64_t L = kB>
using VecT = typename Vec<T, L>::type;
// By reference: a vector passed by value changes the ABI with the target's vector width (-Wpsabi).
template <typename V, typename T>
void load(V& v, const T* p) {
  std::memcpy(&v, p, sizeof v);
}
template <typename T, typename V>
void store(T* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

// dst[0, n) = src[0, n) for the transforms' short rows (14 elements on the Fashion CNN's conv2),
// in vector blocks and a tail of at most kB - 1 in a half block, a pair and one (14 = 8 + 4 + 2).
// std::copy_n called memmove for each row (~10% of the F(4x4, 3x3) forward under perf); a tail of
// single elements, each behind a compare, took 1.04x the time of this one in the input gradient
// and the weight gradient at conv2 (1.014x in the forward).
template <typename T>
inline void copy_row(const T* src, std::int64_t n, T* dst) {
  std::int64_t q = 0;
  for (; q + kB <= n; q += kB) {
    VecT<T> v;
    load(v, src + q);
    store(dst + q, v);
  }
  if (q + kB / 2 <= n) {
    std::memcpy(dst + q, src + q, kB / 2 * sizeof(T));
    q += kB / 2;
  }
  if (q + 2 <= n) {
    std::memcpy(dst + q, src + q, 2 * sizeof(T));
    q += 2;
  }
  if (q < n) dst[q] = src[q];
}

// The tile grid of one convolution: H x W planes with padding (ph, pw), oh x ow outputs in th x tw
// tiles of m x m (m = 2 or 4); the padded plane that the tiles read is (m th + 2) x (m tw + 2).
struct Grid {
  std::int64_t m, h, w, ph, pw, oh, ow, th, tw;
  std::int64_t tiles() const { return th * tw; }
  std::int64_t prow() const { return m * th + 2; }
  std::int64_t pcol() const { return m * tw + 2; }
  // Samples per GEMM batch, about `target` tiles rounded up to whole samples: the shape alone
  // decides.
  std::int64_t batch(std::int64_t n, std::int64_t target) const {
    return std::clamp<std::int64_t>((target + tiles() - 1) / tiles(), 1,
                                    std::max<std::int64_t>(1, n));
  }
};

inline Grid make_grid(std::int64_t m, std::int64_t h, std::int64_t w, std::int64_t ph,
                      std::int64_t pw) {
  const std::int64_t oh = h + 2 * ph - 2, ow = w + 2 * pw - 2;
  return {m, h, w, ph, pw, oh, ow, (oh + m - 1) / m, (ow + m - 1) / m};
}

// F(4x4, 3x3) (tensor/conv_winograd4.cpp; float and double).
// Tiles per batch. A batch's transformed input and products are 36 (C + O) T values: 64 tiles
// (4 samples of 16 at conv2) are 0.88 MB in float32; 32 to 96 measured the same.
constexpr std::int64_t kTargetTiles4 = 64;
// u [36, rows, cols] = the transformed weight of w [O, C, 3, 3] (rows = O, cols = C), or with
// flip of w rotated 180 degrees at [c, o] (the input gradient's weight: rows = C, cols = O).
template <typename T>
void f4_transform_weight(const T* w, std::int64_t o, std::int64_t c, bool flip, T* u);
// out [N, co, oh, ow] = the convolution of in [N, ci, H, W] (grid g, g.m == 4) whose transformed
// weight is u [36, co, ci], plus bias (may be null).
template <typename T>
void f4_forward(const T* in, std::int64_t n, std::int64_t ci, std::int64_t co, const Grid& g,
                const T* u, const T* bias, T* out);

// The weight gradient, F(3x3, 4x4): m [36, O, C] (= beta m +) sum over the tiles of samples
// [0, ns) of (A e A^T) (.) (B^T d B), e the 4x4 blocks of dy [ns, O, oh, ow], d the 6x6 tiles
// of x [ns, C, H, W]; then dw [O, C, 3, 3] = G^T m G.
template <typename T>
void f4_grad_batch(const T* x, const T* dy, std::int64_t ns, std::int64_t c, std::int64_t o,
                   const Grid& g, T beta, T* m);
template <typename T>
void f4_grad_finish(const T* m, std::int64_t o, std::int64_t c, T* dw);

}  // namespace minidl::detail::wino
