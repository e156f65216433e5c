// minidl's own float32 GEMM for small and medium products (tensor/sgemm_avx512.h).
//
//   C[i, j] (+)= sum_{p < k} op(A)[i, p] op(B)[p, j]
//
// Layout: op(B) is copied panel by panel (32 columns x k rows, row p of the panel = op(B)[p, j0 ..
// j0 + 32), zero-padded on the right), and each micro-tile of 8 rows of C times one panel keeps
// its 8 x 32 sums in 16 zmm registers: per p, two panel loads, 8 broadcasts of op(A)[i, p], 16
// FMAs. op(A) is read in place (8 rows of A), or with trans_a from a copy in which each block of
// 8 rows of op(A) is one contiguous stream (8 neighbours of a row of A per p; read in place when A
// is too large to copy). A row tail (m % 8) uses the same kernel with fewer rows; a column tail
// masks the stores. The store adds the bias and applies the rectifier for addmm and addmm_relu.
//
// Only this file's functions are compiled for AVX-512 (the target attribute): minidl's other code
// is built without it (GCC 12's miscompile, CMakeLists.txt), and these run only after the CPU says
// it has AVX-512F. The loops over the 8 rows are unrolled by pragma: left as loops, GCC 12 keeps
// the accumulators in memory and the kernel runs at half speed.
//
// Measured on an Intel Xeon (model 207), one thread, against OpenBLAS 0.3.21's SkylakeX kernels
// (`OPENBLAS_CORETYPE=SkylakeX`; bench_gan's "sgemm" lines give the same shapes in context):
// [256,128] x [128,128]^T 42 vs 52 us, [256,128] x [128,128] 42 vs 58 us, [512,128] x [128,128] 82
// vs 103 us, [256,512] x [128,512]^T 175 vs 210 us; A^T B (an MLP's weight gradient) see
// kMaxKTransA below; tiny products (m < 16, n < 32, k < 16) lose to OpenBLAS's small-matrix
// kernels.
#include "tensor/sgemm_avx512.h"

#include <immintrin.h>

#include <atomic>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "tensor/blas.h"

namespace minidl {
namespace blas {
namespace {
// On unless the environment says MINIDL_OWN_SGEMM=0 (an A/B run of any program, e.g. a benchmark).
std::atomic<bool> g_own_sgemm{detail::own_sgemm_env_on(std::getenv("MINIDL_OWN_SGEMM"))};
}  // namespace
void set_own_sgemm(bool on) { g_own_sgemm.store(on); }
bool own_sgemm_enabled() { return g_own_sgemm.load() && detail::own_sgemm_supported(); }
std::string gemm_kernels() {
  if (!detail::own_sgemm_supported()) return "OpenBLAS (this CPU has no AVX-512F)";
  if (!g_own_sgemm.load())
    return "OpenBLAS (minidl's own kernel is off: MINIDL_OWN_SGEMM=0 or set_own_sgemm(false))";
  return "minidl's AVX-512 kernel for small and medium products, OpenBLAS for the rest "
         "(and Winograd transforms 16 lanes wide)";
}
}  // namespace blas

namespace detail {
namespace {

constexpr int kMR = 8;   // rows of C per micro-tile
constexpr int kNR = 32;  // columns per panel (two zmm)

#define MINIDL_AVX512 __attribute__((target("avx512f,avx2,fma")))

// The masks of a panel's two halves for w valid columns (0 < w <= 32).
MINIDL_AVX512 inline __mmask16 low_mask(std::int64_t w) {
  return w >= 16 ? static_cast<__mmask16>(0xFFFF) : static_cast<__mmask16>((1u << w) - 1);
}
MINIDL_AVX512 inline __mmask16 high_mask(std::int64_t w) {
  if (w >= 32) return static_cast<__mmask16>(0xFFFF);
  return w <= 16 ? static_cast<__mmask16>(0) : static_cast<__mmask16>((1u << (w - 16)) - 1);
}

// panel[p * 32 + jj] = op(B)[p, j0 + jj] for jj < w, 0 beyond.
MINIDL_AVX512 void pack_panel(bool tb, std::int64_t k, const float* b, std::int64_t ldb,
                              std::int64_t j0, std::int64_t w, float* panel) {
  if (!tb) {
    const __mmask16 m0 = low_mask(w), m1 = high_mask(w);
    for (std::int64_t p = 0; p < k; ++p) {
      const float* src = b + p * ldb + j0;
      _mm512_store_ps(panel + p * kNR, _mm512_maskz_loadu_ps(m0, src));
      _mm512_store_ps(panel + p * kNR + 16, _mm512_maskz_loadu_ps(m1, src + 16));
    }
    return;
  }
  // op(B)[p, j] = B[j, p]: 8 x 8 blocks of B's rows j0.. transposed in registers.
  std::int64_t p = 0;
  if (w == kNR) {
    for (; p + 8 <= k; p += 8) {
      for (int jb = 0; jb < kNR; jb += 8) {
        __m256 r[8];
        for (int q = 0; q < 8; ++q) r[q] = _mm256_loadu_ps(b + (j0 + jb + q) * ldb + p);
        const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
        const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
        const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
        const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
        const __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
        const __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
        const __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
        const __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
        float* d = panel + p * kNR + jb;
        _mm256_store_ps(d + 0 * kNR, _mm256_permute2f128_ps(s0, s4, 0x20));
        _mm256_store_ps(d + 1 * kNR, _mm256_permute2f128_ps(s1, s5, 0x20));
        _mm256_store_ps(d + 2 * kNR, _mm256_permute2f128_ps(s2, s6, 0x20));
        _mm256_store_ps(d + 3 * kNR, _mm256_permute2f128_ps(s3, s7, 0x20));
        _mm256_store_ps(d + 4 * kNR, _mm256_permute2f128_ps(s0, s4, 0x31));
        _mm256_store_ps(d + 5 * kNR, _mm256_permute2f128_ps(s1, s5, 0x31));
        _mm256_store_ps(d + 6 * kNR, _mm256_permute2f128_ps(s2, s6, 0x31));
        _mm256_store_ps(d + 7 * kNR, _mm256_permute2f128_ps(s3, s7, 0x31));
      }
    }
  }
  for (; p < k; ++p) {
    float* d = panel + p * kNR;
    for (std::int64_t j = 0; j < kNR; ++j) d[j] = j < w ? b[(j0 + j) * ldb + p] : 0.0f;
  }
}

// MR rows of C's columns j0 .. j0 + w (c points at their first, C[i, j0]) from one packed panel;
// a points at op(A)'s row i (A[0, i] with trans_a, A[i, 0] without).
template <int MR>
MINIDL_AVX512 inline __attribute__((always_inline)) void micro_tile(
    bool ta, std::int64_t k, const float* a, std::int64_t lda, const float* panel, float* c,
    std::int64_t ldc, std::int64_t w, bool accumulate, const float* bias, bool relu) {
  __m512 lo[MR], hi[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    lo[r] = _mm512_setzero_ps();
    hi[r] = _mm512_setzero_ps();
  }
  if (ta) {  // op(A)[i + r, p] = a[p * lda + r]
    for (std::int64_t p = 0; p < k; ++p) {
      const __m512 b0 = _mm512_load_ps(panel + p * kNR), b1 = _mm512_load_ps(panel + p * kNR + 16);
      const float* ar = a + p * lda;
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m512 av = _mm512_set1_ps(ar[r]);
        lo[r] = _mm512_fmadd_ps(av, b0, lo[r]);
        hi[r] = _mm512_fmadd_ps(av, b1, hi[r]);
      }
    }
  } else {  // op(A)[i + r, p] = a[r * lda + p]
    for (std::int64_t p = 0; p < k; ++p) {
      const __m512 b0 = _mm512_load_ps(panel + p * kNR), b1 = _mm512_load_ps(panel + p * kNR + 16);
#pragma GCC unroll 8
      for (int r = 0; r < MR; ++r) {
        const __m512 av = _mm512_set1_ps(a[r * lda + p]);
        lo[r] = _mm512_fmadd_ps(av, b0, lo[r]);
        hi[r] = _mm512_fmadd_ps(av, b1, hi[r]);
      }
    }
  }
  const __mmask16 m0 = low_mask(w), m1 = high_mask(w);
  // The bias row is added as a preloaded C would be (bias + sum); max(0, v) returns v when v is
  // NaN (MAXPS gives its second operand) and -0 for -0, as relu does.
  const __m512 b0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
  const __m512 b1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* cr = c + r * ldc;
    __m512 v0 = lo[r], v1 = hi[r];
    if (accumulate) {
      v0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cr), v0);
      v1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cr + 16), v1);
    } else if (bias) {
      v0 = _mm512_add_ps(b0, v0);
      v1 = _mm512_add_ps(b1, v1);
    }
    if (relu) {  // maskz_ form: GCC 12's plain _mm512_max_ps warns of its undefined source
      v0 = _mm512_maskz_max_ps(0xFFFF, zero, v0);
      v1 = _mm512_maskz_max_ps(0xFFFF, zero, v1);
    }
    _mm512_mask_storeu_ps(cr, m0, v0);
    _mm512_mask_storeu_ps(cr + 16, m1, v1);
  }
}

// The last rows (fewer than 8) with the micro-tile of that height.
template <int MR>
MINIDL_AVX512 void row_tail(std::int64_t rows, bool ta, std::int64_t k, const float* a,
                            std::int64_t lda, const float* panel, float* c, std::int64_t ldc,
                            std::int64_t w, bool accumulate, const float* bias, bool relu) {
  if constexpr (MR > 0) {
    if (rows == MR) {
      micro_tile<MR>(ta, k, a, lda, panel, c, ldc, w, accumulate, bias, relu);
    } else {
      row_tail<MR - 1>(rows, ta, k, a, lda, panel, c, ldc, w, accumulate, bias, relu);
    }
  }
}

// op(A) = A^T copied in blocks of 8 rows of op(A) (8 columns of A), each block p-major: block q
// holds A[p, 8q + r] at q * 8k + 8p + r (rows past m zero). The micro-tile then reads its 8 values
// per p from one contiguous stream instead of one 32-byte piece of a row of A per p.
MINIDL_AVX512 void pack_a_transposed(std::int64_t m, std::int64_t k, const float* a,
                                     std::int64_t lda, float* out) {
  for (std::int64_t i0 = 0; i0 < m; i0 += kMR) {
    float* blk = out + (i0 / kMR) * kMR * k;
    if (m - i0 >= kMR) {
      for (std::int64_t p = 0; p < k; ++p)
        _mm256_store_ps(blk + p * kMR, _mm256_loadu_ps(a + p * lda + i0));
    } else {
      for (std::int64_t p = 0; p < k; ++p)
        for (std::int64_t r = 0; r < kMR; ++r)
          blk[p * kMR + r] = i0 + r < m ? a[p * lda + i0 + r] : 0.0f;
    }
  }
}

// A 64-byte aligned view of a thread's growing scratch buffer of at least `floats` floats.
float* scratch(std::unique_ptr<float[]>& buffer, std::int64_t& capacity, std::int64_t floats) {
  if (capacity < floats + 16) {
    buffer = std::make_unique<float[]>(static_cast<std::size_t>(floats + 16));
    capacity = floats + 16;
  }
  return reinterpret_cast<float*>((reinterpret_cast<std::uintptr_t>(buffer.get()) + 63) &
                                  ~std::uintptr_t{63});
}

// op(A) is packed for A^T B up to this many floats of A (1 MiB); beyond, it is read in place.
constexpr std::int64_t kMaxPackedA = std::int64_t{1} << 18;

MINIDL_AVX512 void run(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k,
                       const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
                       std::int64_t ldc, bool accumulate, const float* bias, bool relu) {
  // One panel per thread, reused: k <= kMaxK rows of 32 floats (128 KiB at most).
  thread_local std::unique_ptr<float[]> panel_buffer, a_buffer;
  thread_local std::int64_t panel_capacity = 0, a_capacity = 0;
  float* panel = scratch(panel_buffer, panel_capacity, k * kNR);
  const std::int64_t blocks = (m + kMR - 1) / kMR;
  const bool packed = ta && blocks * kMR * k <= kMaxPackedA;
  float* pa = nullptr;
  if (packed) {
    pa = scratch(a_buffer, a_capacity, blocks * kMR * k);
    pack_a_transposed(m, k, a, lda, pa);
  }
  // Row block i's op(A): its block of the packed copy (row stride 8), or A in place.
  const std::int64_t a_ld = packed ? kMR : lda;
  auto a_of = [&](std::int64_t i) -> const float* {
    if (packed) return pa + (i / kMR) * kMR * k;
    return ta ? a + i : a + i * lda;
  };
  for (std::int64_t j0 = 0; j0 < n; j0 += kNR) {
    const std::int64_t w = n - j0 < kNR ? n - j0 : kNR;
    pack_panel(tb, k, b, ldb, j0, w, panel);
    const float* bp = bias ? bias + j0 : nullptr;
    std::int64_t i = 0;
    for (; i + kMR <= m; i += kMR)
      micro_tile<8>(ta, k, a_of(i), a_ld, panel, c + i * ldc + j0, ldc, w, accumulate, bp, relu);
    row_tail<kMR - 1>(m - i, ta, k, a_of(i), a_ld, panel, c + i * ldc + j0, ldc, w, accumulate, bp,
                      relu);
  }
}

#undef MINIDL_AVX512

// Where it wins (the measurements above): k within [16, 1024] (op(B)'s panel stays in L1/L2),
// at least 16 rows and 32 columns, at most 4096 columns (a convolution's im2col product, 12544
// columns, ties: left to OpenBLAS), and A^T B only up to k = 512 (with op(A) packed, alternating
// with OpenBLAS in one process, median time ratio: 0.84 at [128, 128] k = 128, 0.93 at k = 256
// and 512, 1.12 at [256, 128] k = 1024).
constexpr std::int64_t kMinK = 16, kMaxK = 1024, kMinM = 16, kMinN = 32, kMaxN = 4096;
constexpr std::int64_t kMaxKTransA = 512;

}  // namespace

bool own_sgemm_env_on(const char* value) {
  if (value == nullptr) return true;
  std::string v(value);
  for (char& ch : v) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v == "0" || v == "off" || v == "false" || v == "no") return false;
  if (v.empty() || v == "1" || v == "on" || v == "true" || v == "yes") return true;
  std::fprintf(stderr,
               "minidl: warning: MINIDL_OWN_SGEMM='%s' is not 0/off/false/no or 1/on/true/yes; "
               "minidl's own sgemm stays on\n",
               value);
  return true;
}

bool own_sgemm_supported() {
  static const bool yes = __builtin_cpu_supports("avx512f");
  return yes;
}

bool own_sgemm_applies(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k) {
  (void)trans_b;
  return k >= kMinK && k <= (trans_a ? kMaxKTransA : kMaxK) && m >= kMinM && n >= kMinN &&
         n <= kMaxN && blas::own_sgemm_enabled();
}

void own_sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
               const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
               std::int64_t ldc, bool accumulate, const float* bias, bool relu) {
  if (m <= 0 || n <= 0) return;
  run(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, relu);
}

}  // namespace detail
}  // namespace minidl
