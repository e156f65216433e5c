// Winograd F(4x4, 3x3) (Lavin & Gray 2016), interpolation points 0, 1, -1, 3/2, -3/2 and
// infinity: conv2d's forward and (through tensor/conv_winograd.cpp, on the rotated weight) its
// input gradient, and the weight gradient as F(3x3, 4x4), for a 3x3 kernel, stride 1, padding
// 0..2. tensor/conv_winograd.cpp has the plan and which variant runs when.
//
// One 4x4 block of outputs from the 6x6 input tile d under it (rows 4ty - ph .. 4ty - ph + 5):
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A          (.) elementwise over 6x6, xi = 6 i + j
// with (a = kPoint = 3/2; a = 2 gives the 4, 5, 1/6, 1/24 of Lavin & Gray's matrices)
//   B^T = | a^2  0   -a^2-1  0      1  0 |   G = row xi: (1, p, p^2) / prod_{q != p} (p - q)
//         | 0   -a^2 -a^2    1      1  0 |       for the finite points p = 0, 1, -1, a, -a,
//         | 0    a^2 -a^2   -1      1  0 |       (0, 0, 1) for infinity
//         | 0   -a   -1      a      1  0 |   A^T = | 1  1  1  1    1     0 |
//         | 0    a   -1     -a      1  0 |         | 0  1 -1  a   -a     0 |
//         | 0    a^2  0     -a^2-1  0  1 |         | 0  1  1  a^2  a^2   0 |
//                                                  | 0  1 -1  a^3 -a^3   1 |
// 36 products of [O, C] x [C, T] for 16 T outputs per plane: 2.25 O C multiply-adds per output
// against 4 for F(2x2, 3x3) and 9 for im2col. The weight gradient, F(3, 4) per axis as in
// tensor/conv_winograd.cpp: dW = G^T [ sum over tiles (A e A^T) (.) (B^T d B) ] G, e the 4x4
// block of dy over the tile.
//
// Why 3/2: float32 error against the naive double reference at the Fashion CNN's conv2 (32 -> 64
// on 14x14, batch 64, inputs in [-1, 1], weights in [-0.3, 0.3]; max |error| / max |y|,
// `bench_conv --only wino4_fwd`): a = 3/2 2.7e-6, a = 1.75 3.7e-6, 0.75 4.2e-6, 1/2 4.3e-6,
// 2 4.7e-6, 1.25 5.0e-6; F(2x2, 3x3) 2.8e-7, im2col + GEMM 7.9e-7. 3/2 and its powers are exact
// in binary. A numpy model of the three roundings (U and V stored in float32, the GEMM's sums)
// puts a third of the error in each; the output transform adds little. Asymmetric points
// (0, 1, -1, -1/2, 3/2) model 1.6x lower still, but lose the even/odd pairs that make bt()
// and at() cheap. The weight is transformed in double and rounded once.
//
// Input (and dy for the weight gradient): each plane is copied into a zero-bordered buffer, B^T
// (A) runs down whole rows, then B (A) across each row of tiles, 8 or 16 tiles to a vector (or
// several short rows of tiles to one), their columns split apart by shuffles (deinterleave4).
// Output: A^T M A runs on 8 or 16 consecutive GEMM columns (tiles of any rows and samples) at
// once, transposed so each tile's rows are contiguous, stored as whole 4x4 tiles and then clipped
// to the plane.
//
// Layout: V [C, 36, T] and M [O, 36, T] (each channel's 36 rows together; the GEMMs read and
// write them with leading dimension 36 T), so each transform streams through a few KB per
// channel. With [36, C, T] and [36, O, T] (as F(2x2, 3x3) has them) the output transform read
// 36 streams at once and took 36% of the forward under perf, against 24% with this layout.
#include <algorithm>
#include <cstring>
#include <type_traits>
#include <vector>

#include "tensor/blas.h"
#include "tensor/conv_kernels.h"
#include "tensor/conv_winograd_impl.h"
#include "tensor/loops.h"

namespace minidl::detail::wino {
namespace {

// The interpolation points are 0, 1, -1, kPoint, -kPoint and infinity.
constexpr double kPoint = 1.5;

// B^T on six values (vectors or scalars); o may not alias d.
template <typename E, typename V>
[[gnu::always_inline]] inline void bt(const V& d0, const V& d1, const V& d2, const V& d3,
                                      const V& d4, const V& d5, V* o) {
  constexpr E a = kPoint, a2 = kPoint * kPoint, a21 = a2 + 1;
  const V t1 = d4 - a2 * d2, t2 = d3 - a2 * d1, t3 = d4 - d2, t4 = a * (d3 - d1);
  o[0] = a2 * d0 - a21 * d2 + d4;
  o[1] = t1 + t2;
  o[2] = t1 - t2;
  o[3] = t3 + t4;
  o[4] = t3 - t4;
  o[5] = a2 * d1 - a21 * d3 + d5;
}

// A^T on six values.
template <typename E, typename V>
[[gnu::always_inline]] inline void at(const V* m, V* y) {
  constexpr E p = kPoint, p2 = kPoint * kPoint, p3 = kPoint * kPoint * kPoint;
  const V a = m[1] + m[2], b = m[1] - m[2], c = m[3] + m[4], d = m[3] - m[4];
  y[0] = m[0] + a + c;
  y[1] = b + p * d;
  y[2] = a + p2 * c;
  y[3] = b + p3 * d + m[5];
}

// The transforms below run on vectors of L lanes: L = 8 (kB, the 32-byte vectors every x86-64
// build has), or L = 16 floats in functions compiled for AVX-512 (wide_for()). Each is written
// once as an always-inline template on L; the AVX-512 entry points (forward_batch16,
// grad_batch16) inline them under their target attribute, so the same code compiles to 64-byte
// instructions there (CMakeLists.txt keeps -mavx512f off globally for GCC 12's miscompile).

// Columns of slack past the last GEMM column of a transformed row (ld >= cols + kSlack4) and past
// the end of M: a block of L tiles past a row's last tile writes (or reads) up to L - 1 columns
// beyond it.
constexpr std::int64_t kSlack4 = 16;

// y[k][j] = z[4 j + k] for the L lanes j: the four columns of L 4-wide blocks apart (transpose4
// read backwards). The blocks come L / 4 at a time from z[0..3] (z[q] + 4 i is block i of the
// q-th quarter): along a row, z[q] = z[0] + q L; with rows packed (rows_per_vector), rows of
// tiles one after another.
template <int L, typename V, typename T>
[[gnu::always_inline]] inline void deinterleave4(const T* const* z, V* y) {
  static_assert(L == 8 || L == 16, "the shuffles below are written for 8 and 16 lanes");
  V z0, z1, z2, z3;
  load(z0, z[0]);
  load(z1, z[1]);
  load(z2, z[2]);
  load(z3, z[3]);
  if constexpr (L == 8) {
    const V a = __builtin_shufflevector(z0, z1, 0, 4, 8, 12, 1, 5, 9, 13);
    const V b = __builtin_shufflevector(z0, z1, 2, 6, 10, 14, 3, 7, 11, 15);
    const V c = __builtin_shufflevector(z2, z3, 0, 4, 8, 12, 1, 5, 9, 13);
    const V d = __builtin_shufflevector(z2, z3, 2, 6, 10, 14, 3, 7, 11, 15);
    y[0] = __builtin_shufflevector(a, c, 0, 1, 2, 3, 8, 9, 10, 11);
    y[1] = __builtin_shufflevector(a, c, 4, 5, 6, 7, 12, 13, 14, 15);
    y[2] = __builtin_shufflevector(b, d, 0, 1, 2, 3, 8, 9, 10, 11);
    y[3] = __builtin_shufflevector(b, d, 4, 5, 6, 7, 12, 13, 14, 15);
  } else {
    const V a =
        __builtin_shufflevector(z0, z1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const V b =
        __builtin_shufflevector(z0, z1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    const V c =
        __builtin_shufflevector(z2, z3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    const V d =
        __builtin_shufflevector(z2, z3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    y[0] = __builtin_shufflevector(a, c, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    y[1] =
        __builtin_shufflevector(a, c, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    y[2] = __builtin_shufflevector(b, d, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    y[3] =
        __builtin_shufflevector(b, d, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
  }
}

// Rows of tiles that the B (A) pass takes into one vector: when a row of tiles fills exactly one
// or two quarters of it (tw = L / 4 or L / 2: with L = 8, 5- to 8- and 13- to 16-wide maps;
// with L = 16, 13- to 16- and 29- to 32-wide), 4 or 2 rows, whose tiles are the next GEMM
// columns; otherwise 1 (a vector of L tiles along the row). One row to a vector left half the
// lanes idle on 14x14 maps with L = 8; two rows to a vector there (one thread, alternating in
// one process, median of 30 paired blocks at the Fashion CNN's conv2): the input gradient 0.917x
// the time, the forward 0.968x, the weight gradient 0.971x. On 7x7 maps (two tiles to a row,
// three quarters of 8 lanes idle), four rows to a vector, 32 -> 64 channels, batch 64: the
// weight gradient 0.70x, the input gradient 0.71x, the forward 0.80x (8x8: input gradient 0.72x).
template <int L>
inline int rows_per_vector(const Grid& g) {
  return g.tw == L / 4 ? 4 : g.tw == L / 2 ? 2 : 1;
}

// The share of a vector's lanes that hold tiles in the B (A) pass.
template <int L>
double lane_fill(const Grid& g) {
  return rows_per_vector<L>(g) > 1
             ? 1.0
             : static_cast<double>(g.tw) / static_cast<double>(round_up<L>(g.tw));
}

// Whether this shape's float32 transforms run 16 lanes wide: where the CPU has AVX-512F and
// minidl's own AVX-512 code is on (blas::set_own_sgemm, MINIDL_OWN_SGEMM), and 16 lanes are
// filled as well as 8 (at the Fashion CNN's conv2, 14x14 maps, four rows of four
// tiles fill 16 lanes: the weight gradient 0.80x the time of 8 lanes, the input gradient 0.81x,
// the forward 0.83x; on 7x7 maps, two tiles to a row, 8 lanes take four rows and 16 lanes one:
// 1.25-1.45x the time).
bool wide_for(const Grid& g) {
  return blas::own_sgemm_enabled() && lane_fill<16>(g) >= lane_fill<8>(g);
}

// The quarters' pointers (deinterleave4) for rows ty .. ty + rv - 1 of a pass whose row i of
// tile row t starts at base + (6 t + i) rs, from column 4 k0 (k0 = 0 when rows are packed). A
// row past the last (th not a multiple of rv) reads the last row again: its lanes are junk that
// land in later columns (the next sample's tiles, written after) or in the slack.
template <int L, typename T>
[[gnu::always_inline]] inline void quarters(const T* base, std::int64_t rs, const Grid& g,
                                            std::int64_t ty, int rv, int i, std::int64_t k0,
                                            const T** z) {
  const int per_row = 4 / rv;  // quarters per row of tiles
  for (int q = 0; q < 4; ++q) {
    const std::int64_t t = std::min(ty + q / per_row, g.th - 1);
    z[q] = base + (6 * t + i) * rs + 4 * k0 + (q % per_row) * L;
  }
}

// V[c, xi, col] (rows of ldv) = (B^T d B)[xi] for every tile of samples [0, ns) of x, column
// s P + ty tw + tx. Each plane is copied into a zero-bordered buffer; B^T runs down whole rows,
// then B across each row of tiles on L tiles at a time: tile tx's six columns 4 tx .. 4 tx + 5
// are the four columns of block tx and the first two of block tx + 1, split apart by shuffles
// (a scalar split of the rows by column mod 4 took ~30% of this function). The B^T pass runs over
// the whole plane before the B pass, so the second does not read what the first has just stored
// (a store-forwarding stall each time).
template <typename T, int L>
[[gnu::always_inline]] inline void transform_input(const T* x, std::int64_t ns, std::int64_t c,
                                                   const Grid& g, T* v, std::int64_t ldv) {
  using V = VecT<T, L>;
  const std::int64_t wb = round_up<L>(g.pcol()), rs = wb + 4 * L, pr = g.prow(), p = g.tiles();
  T* pad = detail::conv_scratch<T>(4, (pr + 6 * g.th) * rs);
  T* r = pad + pr * rs;  // B^T d: six rows per row of tiles
  std::fill(pad, pad + (pr + 6 * g.th) * rs, T(0));
  const std::int64_t rows = std::min(g.h, pr - g.ph);
  const int rv = rows_per_vector<L>(g);
  const std::int64_t step = rv == 1 ? L : g.tw;  // tiles per vector along a row
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t ci = 0; ci < c; ++ci) {
      const T* plane = x + (s * c + ci) * g.h * g.w;
      for (std::int64_t y = 0; y < rows; ++y)
        copy_row(plane + y * g.w, g.w, pad + (y + g.ph) * rs + g.pw);
      for (std::int64_t ty = 0; ty < g.th; ++ty)
        for (std::int64_t m = 0; m < wb; m += L) {  // B^T d
          const T* r0 = pad + 4 * ty * rs + m;
          V d[6], o[6];
#pragma GCC unroll 6
          for (int i = 0; i < 6; ++i) load(d[i], r0 + i * rs);
          bt<T>(d[0], d[1], d[2], d[3], d[4], d[5], o);
#pragma GCC unroll 6
          for (int i = 0; i < 6; ++i) store(r + (6 * ty + i) * rs + m, o[i]);
        }
      T* out = v + ci * 36 * ldv + s * p;
      for (std::int64_t ty = 0; ty < g.th; ty += rv)
        for (std::int64_t k0 = 0; k0 < g.tw; k0 += step)
#pragma GCC unroll 6
          for (int i = 0; i < 6; ++i) {  // (.) B
            const T* z[4];
            quarters<L>(r, rs, g, ty, rv, i, k0, z);
            const T* zn[4] = {z[0] + 4, z[1] + 4, z[2] + 4, z[3] + 4};  // block tx + 1
            V d[4], n[4], o[6];
            deinterleave4<L>(z, d);
            deinterleave4<L>(zn, n);
            bt<T>(d[0], d[1], d[2], d[3], n[0], n[1], o);
#pragma GCC unroll 6
            for (int j = 0; j < 6; ++j) store(out + (6 * i + j) * ldv + ty * g.tw + k0, o[j]);
          }
    }
}

// z[4 j + k] = y[k][j] for the L lanes j of four vectors: each tile's row of four outputs made
// contiguous, in six shuffles.
template <int L, typename V, typename T>
[[gnu::always_inline]] inline void transpose4(const V* y, T* z) {
  static_assert(L == 8 || L == 16, "the shuffles below are written for 8 and 16 lanes");
  if constexpr (L == 8) {
    const V a = __builtin_shufflevector(y[0], y[1], 0, 8, 1, 9, 2, 10, 3, 11);
    const V b = __builtin_shufflevector(y[2], y[3], 0, 8, 1, 9, 2, 10, 3, 11);
    const V c = __builtin_shufflevector(y[0], y[1], 4, 12, 5, 13, 6, 14, 7, 15);
    const V d = __builtin_shufflevector(y[2], y[3], 4, 12, 5, 13, 6, 14, 7, 15);
    store(z, __builtin_shufflevector(a, b, 0, 1, 8, 9, 2, 3, 10, 11));
    store(z + L, __builtin_shufflevector(a, b, 4, 5, 12, 13, 6, 7, 14, 15));
    store(z + 2 * L, __builtin_shufflevector(c, d, 0, 1, 8, 9, 2, 3, 10, 11));
    store(z + 3 * L, __builtin_shufflevector(c, d, 4, 5, 12, 13, 6, 7, 14, 15));
  } else {
    const V a =
        __builtin_shufflevector(y[0], y[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const V b =
        __builtin_shufflevector(y[2], y[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const V c = __builtin_shufflevector(y[0], y[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29,
                                        14, 30, 15, 31);
    const V d = __builtin_shufflevector(y[2], y[3], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29,
                                        14, 30, 15, 31);
    store(z, __builtin_shufflevector(a, b, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
    store(z + L, __builtin_shufflevector(a, b, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15,
                                         30, 31));
    store(z + 2 * L,
          __builtin_shufflevector(c, d, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23));
    store(z + 3 * L, __builtin_shufflevector(c, d, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14,
                                             15, 30, 31));
  }
}

// y[s, o] = (A^T M A) + bias[o] for every tile of samples [0, ns), from M[o, xi, col] (ldm
// columns, kSlack4 of slack past the last), clipped to the oh x ow plane.
template <typename T, int L>
[[gnu::always_inline]] inline void transform_output(const T* m, std::int64_t ldm, std::int64_t o,
                                                    std::int64_t ns, const Grid& g, const T* bias,
                                                    T* y) {
  using V = VecT<T, L>;
  const std::int64_t cols = ns * g.tiles(), plane = g.oh * g.ow;
  // Whole tiles first, into planes of 4 th x 4 tw per sample; then clipped into y.
  const std::int64_t fw = 4 * g.tw, fp = 16 * g.tiles();
  T* full = detail::conv_scratch<T>(4, ns * fp);
  for (std::int64_t oi = 0; oi < o; ++oi) {
    const T b = bias != nullptr ? bias[oi] : T(0);
    const T* mo = m + oi * 36 * ldm;
    std::int64_t s = 0, ty = 0, tx = 0;  // the tile of the block's next column
    for (std::int64_t c0 = 0; c0 < cols; c0 += L) {
      V r[6][4];  // A^T along each row i
#pragma GCC unroll 6
      for (int i = 0; i < 6; ++i) {
        V q[6];
#pragma GCC unroll 6
        for (int j = 0; j < 6; ++j) load(q[j], mo + (6 * i + j) * ldm + c0);
        at<T>(q, r[i]);
      }
      V yv[4][4];  // [i][k]: output (i, k) of the L tiles
#pragma GCC unroll 4
      for (int k = 0; k < 4; ++k) {  // then down each column k
        V q[6] = {r[0][k], r[1][k], r[2][k], r[3][k], r[4][k], r[5][k]}, yk[4];
        at<T>(q, yk);
#pragma GCC unroll 4
        for (int i = 0; i < 4; ++i) yv[i][k] = yk[i] + b;
      }
      T out[4][4 * L];  // row i of tile j at out[i] + 4 j
#pragma GCC unroll 4
      for (int i = 0; i < 4; ++i) transpose4<L>(yv[i], out[i]);
      const std::int64_t lanes = std::min<std::int64_t>(L, cols - c0);
      for (std::int64_t j = 0; j < lanes; ++j) {
        T* dst = full + s * fp + 4 * ty * fw + 4 * tx;
        for (int i = 0; i < 4; ++i) std::memcpy(dst + i * fw, out[i] + 4 * j, 4 * sizeof(T));
        if (++tx == g.tw) tx = 0, ty = ty + 1 == g.th ? (++s, 0) : ty + 1;
      }
    }
    for (std::int64_t si = 0; si < ns; ++si) {  // clip the whole tiles to the plane
      T* dst = y + (si * o + oi) * plane;
      const T* src = full + si * fp;
      if (fw == g.ow) {
        copy_row(src, plane, dst);
      } else {
        for (std::int64_t r = 0; r < g.oh; ++r) copy_row(src + r * fw, g.ow, dst + r * g.ow);
      }
    }
  }
}

// A on four values (the weight gradient's transform of a 4x4 block of dy, F(3x3, 4x4)).
template <typename E, typename V>
[[gnu::always_inline]] inline void a4(const V& e0, const V& e1, const V& e2, const V& e3, V* o) {
  constexpr E p = kPoint, p2 = kPoint * kPoint, p3 = kPoint * kPoint * kPoint;
  const V ev = e0 + e2, od = e1 + e3, evp = e0 + p2 * e2, odp = p * e1 + p3 * e3;
  o[0] = e0;
  o[1] = ev + od;
  o[2] = ev - od;
  o[3] = evp + odp;
  o[4] = evp - odp;
  o[5] = e3;
}

// E[o, xi, col] (rows of lde) = (A e A^T)[xi] for every 4x4 block e of dy (samples [0, ns), o
// planes of oh x ow; a block past the edge reads 0). Each plane's rows are copied into a buffer
// of whole blocks (zero past the plane), A runs down whole rows, then across each row of blocks
// on L blocks at a time, their columns split apart by shuffles (a scalar split of the rows by
// column mod 4, as transform_input does, took 40% of this function).
template <typename T, int L>
[[gnu::always_inline]] inline void transform_grad(const T* dy, std::int64_t ns, std::int64_t o,
                                                  const Grid& g, T* e, std::int64_t lde) {
  using V = VecT<T, L>;
  const std::int64_t wb = round_up<L>(4 * g.tw), rs = wb + 4 * L, pr = 4 * g.th, p = g.tiles();
  T* pad = detail::conv_scratch<T>(4, (pr + 6 * g.th) * rs);
  T* r = pad + pr * rs;  // A e: six rows per row of blocks
  std::fill(pad, pad + (pr + 6 * g.th) * rs, T(0));
  const int rv = rows_per_vector<L>(g);
  const std::int64_t step = rv == 1 ? L : g.tw;
  for (std::int64_t s = 0; s < ns; ++s)
    for (std::int64_t oi = 0; oi < o; ++oi) {
      const T* plane = dy + (s * o + oi) * g.oh * g.ow;
      for (std::int64_t y = 0; y < g.oh; ++y) copy_row(plane + y * g.ow, g.ow, pad + y * rs);
      for (std::int64_t ty = 0; ty < g.th; ++ty)
        for (std::int64_t m = 0; m < wb; m += L) {
          const T* r0 = pad + 4 * ty * rs + m;
          V d[4], q[6];
#pragma GCC unroll 4
          for (int i = 0; i < 4; ++i) load(d[i], r0 + i * rs);
          a4<T>(d[0], d[1], d[2], d[3], q);
#pragma GCC unroll 6
          for (int i = 0; i < 6; ++i) store(r + (6 * ty + i) * rs + m, q[i]);
        }
      T* out = e + oi * 36 * lde + s * p;
      for (std::int64_t ty = 0; ty < g.th; ty += rv)
        for (std::int64_t k0 = 0; k0 < g.tw; k0 += step)
#pragma GCC unroll 6
          for (int i = 0; i < 6; ++i) {
            const T* z[4];
            quarters<L>(r, rs, g, ty, rv, i, k0, z);
            V d[4], q[6];
            deinterleave4<L>(z, d);
            a4<T>(d[0], d[1], d[2], d[3], q);
#pragma GCC unroll 6
            for (int j = 0; j < 6; ++j) store(out + (6 * i + j) * lde + ty * g.tw + k0, q[j]);
          }
    }
}

// One batch of the forward (ns samples, cols = ns P GEMM columns): transform, 36 products,
// transform back. Scratch: v [ci, 36, ld], m [co, 36, cols] (+ kSlack4).
template <typename T, int L>
[[gnu::always_inline]] inline void forward_batch(const T* in, std::int64_t ns, std::int64_t ci,
                                                 std::int64_t co, const Grid& g, const T* u,
                                                 const T* bias, T* out) {
  const std::int64_t cols = ns * g.tiles(), ld = cols + kSlack4;
  T* v = detail::conv_scratch<T>(2, 36 * ci * ld);
  T* m = detail::conv_scratch<T>(3, 36 * co * cols + kSlack4);
  transform_input<T, L>(in, ns, ci, g, v, ld);
  for (int xi = 0; xi < 36; ++xi)
    detail::conv_gemm(false, false, co, cols, ci, u + xi * co * ci, ci, v + xi * ld, 36 * ld, T(0),
                      m + xi * cols, 36 * cols);
  transform_output<T, L>(m, cols, co, ns, g, bias, out);
}

// One batch of the weight gradient (f4_grad_batch).
template <typename T, int L>
[[gnu::always_inline]] inline void grad_batch(const T* x, const T* dy, std::int64_t ns,
                                              std::int64_t c, std::int64_t o, const Grid& g, T beta,
                                              T* m) {
  const std::int64_t cols = ns * g.tiles(), ld = cols + kSlack4;
  T* v = detail::conv_scratch<T>(2, 36 * c * ld);
  T* e = detail::conv_scratch<T>(3, 36 * o * ld);
  transform_input<T, L>(x, ns, c, g, v, ld);
  transform_grad<T, L>(dy, ns, o, g, e, ld);
  for (int xi = 0; xi < 36; ++xi)
    detail::conv_gemm(false, true, o, c, cols, e + xi * ld, 36 * ld, v + xi * ld, 36 * ld, beta,
                      m + xi * o * c, c);
}

#define MINIDL_AVX512 __attribute__((target("avx512f,avx2,fma")))

// The float32 batches 16 lanes wide (call only where wide_for(g)).
MINIDL_AVX512 void forward_batch16(const float* in, std::int64_t ns, std::int64_t ci,
                                   std::int64_t co, const Grid& g, const float* u,
                                   const float* bias, float* out) {
  forward_batch<float, 16>(in, ns, ci, co, g, u, bias, out);
}
MINIDL_AVX512 void grad_batch16(const float* x, const float* dy, std::int64_t ns, std::int64_t c,
                                std::int64_t o, const Grid& g, float beta, float* m) {
  grad_batch<float, 16>(x, dy, ns, c, o, g, beta, m);
}

#undef MINIDL_AVX512

// Row xi of G: (1, p, p^2) / prod over the other finite points q of (p - q); (0, 0, 1) at
// infinity.
struct GMatrix {
  double g[6][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 1}};
  GMatrix() {
    constexpr double kPts[5] = {0, 1, -1, kPoint, -kPoint};
    for (int i = 0; i < 5; ++i) {
      double f = 1;
      for (int j = 0; j < 5; ++j)
        if (j != i) f *= kPts[i] - kPts[j];
      for (int k = 0; k < 3; ++k) g[i][k] = (k == 0 ? 1 : k == 1 ? kPts[i] : kPts[i] * kPts[i]) / f;
    }
  }
};

}  // namespace

template <typename T>
void f4_grad_batch(const T* x, const T* dy, std::int64_t ns, std::int64_t c, std::int64_t o,
                   const Grid& g, T beta, T* m) {
  if constexpr (std::is_same_v<T, float>) {
    if (wide_for(g)) return grad_batch16(x, dy, ns, c, o, g, beta, m);
  }
  grad_batch<T, kB>(x, dy, ns, c, o, g, beta, m);
}

template <typename T>
void f4_grad_finish(const T* m, std::int64_t o, std::int64_t c, T* dw) {
  const GMatrix gm;
  const auto& kG = gm.g;
  const std::int64_t xs = o * c;
  for (std::int64_t i = 0; i < xs; ++i) {
    double t[3][6] = {};  // G^T M, summed row by row of M (independent chains, unrolled)
#pragma GCC unroll 6
    for (int r = 0; r < 6; ++r)
#pragma GCC unroll 6
      for (int q = 0; q < 6; ++q) {
        const double v = static_cast<double>(m[(6 * r + q) * xs + i]);
#pragma GCC unroll 3
        for (int k = 0; k < 3; ++k) t[k][q] += kG[r][k] * v;
      }
#pragma GCC unroll 3
    for (int k = 0; k < 3; ++k)  // (G^T M) G
#pragma GCC unroll 3
      for (int l = 0; l < 3; ++l) {
        double acc = 0;
#pragma GCC unroll 6
        for (int q = 0; q < 6; ++q) acc += t[k][q] * kG[q][l];
        dw[i * 9 + 3 * k + l] = static_cast<T>(acc);
      }
  }
}

template <typename T>
void f4_transform_weight(const T* w, std::int64_t o, std::int64_t c, bool flip, T* u) {
  const std::int64_t rows = flip ? c : o, cols = flip ? o : c, xs = rows * cols;
  // In double, rounded to T once at the end, kB filters at a time (the lanes run along u's rows,
  // so each of the 36 results is one contiguous store; one filter at a time, the 36 scattered
  // scalar stores and the FMA chains took ~8% of the forward).
  using D = VecT<double>;
  using V = VecT<T>;
  const GMatrix gm;
  const auto& kG = gm.g;
  for (std::int64_t r = 0; r < rows; ++r)
    for (std::int64_t c0 = 0; c0 < cols; c0 += kB) {
      const std::int64_t lanes = std::min(kB, cols - c0);
      D k[9] = {};
      for (std::int64_t l = 0; l < lanes; ++l) {
        const T* g = w + (flip ? (c0 + l) * c + r : r * c + c0 + l) * 9;
        for (int i = 0; i < 9; ++i) k[i][l] = static_cast<double>(flip ? g[8 - i] : g[i]);
      }
      D t[6][3];  // G k
#pragma GCC unroll 6
      for (int i = 0; i < 6; ++i)
#pragma GCC unroll 3
        for (int j = 0; j < 3; ++j)
          t[i][j] = kG[i][0] * k[j] + kG[i][1] * k[3 + j] + kG[i][2] * k[6 + j];
      T* q = u + r * cols + c0;
#pragma GCC unroll 6
      for (int i = 0; i < 6; ++i)  // (G k) G^T
#pragma GCC unroll 6
        for (int j = 0; j < 6; ++j) {
          const V y = __builtin_convertvector(
              kG[j][0] * t[i][0] + kG[j][1] * t[i][1] + kG[j][2] * t[i][2], V);
          if (lanes == kB) {
            store(q + (6 * i + j) * xs, y);
          } else {
            for (std::int64_t l = 0; l < lanes; ++l) q[(6 * i + j) * xs + l] = y[l];
          }
        }
    }
}

template <typename T>
void f4_forward(const T* in, std::int64_t n, std::int64_t ci, std::int64_t co, const Grid& g,
                const T* u, const T* bias, T* out) {
  const bool wide = std::is_same_v<T, float> && wide_for(g);
  run_chunks(n, g.batch(n, kTargetTiles4), [&](std::int64_t b, std::int64_t e) {
    const T* src = in + b * ci * g.h * g.w;
    T* dst = out + b * co * g.oh * g.ow;
    if constexpr (std::is_same_v<T, float>) {
      if (wide) return forward_batch16(src, e - b, ci, co, g, u, bias, dst);
    }
    forward_batch<T, kB>(src, e - b, ci, co, g, u, bias, dst);
  });
}

template void f4_transform_weight(const float*, std::int64_t, std::int64_t, bool, float*);
template void f4_transform_weight(const double*, std::int64_t, std::int64_t, bool, double*);
template void f4_forward(const float*, std::int64_t, std::int64_t, std::int64_t, const Grid&,
                         const float*, const float*, float*);
template void f4_grad_batch(const float*, const float*, std::int64_t, std::int64_t, std::int64_t,
                            const Grid&, float, float*);
template void f4_grad_batch(const double*, const double*, std::int64_t, std::int64_t, std::int64_t,
                            const Grid&, double, double*);
template void f4_grad_finish(const float*, std::int64_t, std::int64_t, float*);
template void f4_grad_finish(const double*, std::int64_t, std::int64_t, double*);
template void f4_forward(const double*, std::int64_t, std::int64_t, std::int64_t, const Grid&,
                         const double*, const double*, double*);

}  // namespace minidl::detail::wino
