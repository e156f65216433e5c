// matmul (layer 0) with NumPy semantics. Shape legend: a is [..., M, K] (or [..., K, M] with
// trans_a), b is [..., K, N] (or [..., N, K] with trans_b), out is [broadcast(...), M, N].
// A 1-D a is read as [1, K] and a 1-D b as [K, 1]; the added axis is removed from the result, so
// 1-D . 1-D is a 0-d dot product. trans_* only apply to operands of rank >= 2.
//
// Float types go straight to BLAS on the tensors' own buffers: a transpose is a flag plus the
// stored row stride (lda/ldb), never a copy, so a 2-D product costs GEMM calls into an
// uninitialised output. OpenBLAS runs single-threaded inside minidl (tensor/blas.h); a large GEMM
// is spread over the cores here instead, as kGemmBlocks blocks of output rows or columns, each one
// single-threaded BLAS call on its own TBB task. On this machine's training-sized shapes that beats
// OpenBLAS's own threading (performance.md: its wake-ups and spinning cost more than the second
// core gives), and only one thread pool is ever busy. The block count depends on the shape alone,
// so the bits do not depend on the thread count. Batches run item by item; when b has no batch axes
// and a is not transposed, the batch folds into the rows of one [B*M, K] x [K, N] GEMM. int64 uses
// a plain loop that wraps modulo 2^64 on overflow, like PyTorch.
#include <algorithm>
#include <cstring>
#include <vector>

#include "tensor/blas.h"
#include "tensor/dispatch.h"
#include "tensor/loops.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/sgemm_avx512.h"

namespace minidl {
namespace {

// Right-aligned batch size of s at axis i of an nd-axis batch shape; 1 where s has fewer axes.
std::int64_t aligned(const Shape& s, std::size_t nd, std::size_t i) {
  const std::size_t lead = nd - s.size();
  return i < lead ? std::int64_t{1} : s[i - lead];
}

// The output's batch shape under NumPy batch broadcasting.
Shape batch_shape(const Shape& a_batch, const Shape& b_batch, const Tensor& a, const Tensor& b) {
  const std::size_t nd = std::max(a_batch.size(), b_batch.size());
  Shape out(nd, 1);
  for (std::size_t i = 0; i < nd; ++i) {
    const std::int64_t x = aligned(a_batch, nd, i), y = aligned(b_batch, nd, i);
    MINIDL_CHECK(x == y || x == 1 || y == 1, "matmul: batch dims do not broadcast, a ",
                 shape_str(a.shape()), " vs b ", shape_str(b.shape()));
    out[i] = x == 1 ? y : x;
  }
  return out;
}

// Element offsets of each output batch item's a and b matrices. Built only for a nonempty output
// with k > 0, so a and b are nonempty and every product here stays within their sizes.
struct BatchPlan {
  std::vector<std::int64_t> a_off, b_off;
};

BatchPlan plan_batches(const Shape& out_batch, const Shape& a_batch, const Shape& b_batch,
                       std::int64_t a_mat, std::int64_t b_mat) {
  BatchPlan p;
  const std::size_t nd = out_batch.size();
  // Strides (in elements) of each operand's batch axes, 0 where broadcast.
  std::vector<std::int64_t> as(nd, 0), bs(nd, 0);
  std::int64_t sa = a_mat, sb = b_mat;
  for (std::size_t i = nd; i-- > 0;) {
    const std::int64_t x = aligned(a_batch, nd, i), y = aligned(b_batch, nd, i);
    as[i] = x == 1 ? 0 : sa;
    bs[i] = y == 1 ? 0 : sb;
    sa *= x;
    sb *= y;
  }
  const std::int64_t count = shape_numel(out_batch);
  p.a_off.resize(static_cast<std::size_t>(count));
  p.b_off.resize(static_cast<std::size_t>(count));
  for (std::int64_t f = 0; f < count; ++f) {
    std::int64_t rest = f, ao = 0, bo = 0;
    for (std::size_t i = nd; i-- > 0;) {
      const std::int64_t m = rest % out_batch[i];
      rest /= out_batch[i];
      ao += m * as[i];
      bo += m * bs[i];
    }
    p.a_off[static_cast<std::size_t>(f)] = ao;
    p.b_off[static_cast<std::size_t>(f)] = bo;
  }
  return p;
}

// Below this many multiply-adds one call on the calling thread is cheapest (~40 µs of work).
constexpr std::int64_t kGemmSplitMacs = std::int64_t{1} << 22;
// Blocks of a large GEMM; each block is at least kGemmMinBlock rows (or columns).
constexpr std::int64_t kGemmBlocks = 2;
constexpr std::int64_t kGemmMinBlock = 32;
// Row blocks re-pack all of op(B); up to this many elements of it (512 KiB) that costs less than
// the narrower blocks of a column cut (see gemm()).
constexpr std::int64_t kGemmRowPackMax = std::int64_t{1} << 17;
// A product cut along its inner dimension (gemm_split_k) has at least this much k per block.
constexpr std::int64_t kGemmMinK = 1024;

// What addmm and addmm_relu apply to a product as it is stored: a bias row [n] added (bias + sum,
// the bits of accumulating onto a C preloaded with the bias) and then the rectifier
// (v < 0 ? 0 : v, NaN and -0 kept). minidl's own kernel does both in its store; other paths preload
// the bias and run one pass of the rectifier over the block they wrote.
template <typename T>
struct Epilogue {
  const T* bias = nullptr;
  bool relu = false;
  // The same epilogue for a block of C's columns starting at column j.
  Epilogue from_column(std::int64_t j) const { return {bias ? bias + j : nullptr, relu}; }
};

template <typename T>
void preload_bias(T* c, std::int64_t m, std::int64_t n, std::int64_t ldc, const T* bias) {
  for (std::int64_t i = 0; i < m; ++i)
    std::memcpy(c + i * ldc, bias, static_cast<std::size_t>(n) * sizeof(T));
}

template <typename T>
void relu_rows(T* c, std::int64_t m, std::int64_t n, std::int64_t ldc) {
  for (std::int64_t i = 0; i < m; ++i)
    detail::map1(c + i * ldc, c + i * ldc, n, [](T v) { return v < T(0) ? T(0) : v; });
}

// beta 0 writes C; beta 1 adds the product to what C holds (accumulate).
// A float product goes to minidl's own AVX-512 kernel where it wins (tensor/sgemm_avx512.h).
void gemm1(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float* c, std::int64_t ldc,
           bool accumulate = false, const Epilogue<float>& ep = {}) {
  if (detail::own_sgemm_applies(ta, tb, m, n, k)) {
    detail::own_sgemm(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, accumulate, ep.bias, ep.relu);
    return;
  }
  if (ep.bias) preload_bias(c, m, n, ldc, ep.bias);
  blas::sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, accumulate || ep.bias ? 1.0f : 0.0f, c, ldc);
  if (ep.relu) relu_rows(c, m, n, ldc);
}
void gemm1(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const double* a,
           std::int64_t lda, const double* b, std::int64_t ldb, double* c, std::int64_t ldc,
           bool accumulate = false, const Epilogue<double>& ep = {}) {
  if (ep.bias) preload_bias(c, m, n, ldc, ep.bias);
  blas::dgemm(ta, tb, m, n, k, 1.0, a, lda, b, ldb, accumulate || ep.bias ? 1.0 : 0.0, c, ldc);
  if (ep.relu) relu_rows(c, m, n, ldc);
}

// C[m,n] = op(A) op(B), C contiguous. A large product is cut into blocks of C's rows or columns.
// Every block packs its own copy of the operand the blocks share: all of op(B) (k*n) for row
// blocks, all of op(A) (m*k) for column blocks. Measured on this machine's training shapes (two
// blocks at once, wall time): row blocks win by 3-12% whenever each has >= 64 rows and the
// duplicated op(B) is small (MLP: dW1 = G^T X, the 128-row layer-2 products) or no larger than
// the rest (1000-row inference batches, 17%); column blocks win when rows are few (the CNN's
// 64-channel convolutions and fc1, 10-17%) or op(B) is the big one (X[128,784] W1^T, ~5%).
// rows_by_rule encodes exactly that.
// Rows [r0, r1) of op(A) start at row r0 of A, or at column r0 when A is stored transposed;
// columns [j0, j1) of op(B) start at column j0 of B, or at row j0 when B is stored transposed.
// A product too narrow to cut along C (both sides under 2 x kGemmMinBlock) but with a long inner
// dimension, such as a convolution's weight gradient dY [32, 50176] cols^T [50176, 9], is cut
// along k instead: block i computes op(A)[:, k_i] op(B)[k_i, :] into its own buffer (block 0
// straight into C), and the partial products are added in block order, so the bits still depend
// on the shape alone. Measured 0.9 ms single-threaded for that one (memory-bound streaming of A
// and B), the only large GEMM of the CNN step that did not use both cores.
template <typename T>
void gemm_split_k(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* a,
                  std::int64_t lda, const T* b, std::int64_t ldb, T* c, bool accumulate) {
  auto bound = [k](std::int64_t i) -> std::int64_t {
    return i == kGemmBlocks ? k : (k * i / kGemmBlocks + 8) / 16 * 16;
  };
  std::vector<T> partial(static_cast<std::size_t>((kGemmBlocks - 1) * m * n));
  parallel_for(kGemmBlocks, 1, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) {
      const std::int64_t lo = bound(i), hi = bound(i + 1);
      T* out = i == 0 ? c : partial.data() + (i - 1) * m * n;
      gemm1(ta, tb, m, n, hi - lo, ta ? a + lo * lda : a + lo, lda, tb ? b + lo : b + lo * ldb, ldb,
            out, n, accumulate && i == 0);
    }
  });
  for (std::int64_t i = 1; i < kGemmBlocks; ++i) {
    const T* p = partial.data() + (i - 1) * m * n;
    for (std::int64_t j = 0; j < m * n; ++j) c[j] += p[j];
  }
}

// Products with an inner dimension this small skip BLAS: a network's first layer on 2-D points
// (x [256, 2] W^T) or an outer product (dX = g [256, 1] W [1, 128]) is all output writes, and
// OpenBLAS spent 7-16 us on the [256, 2] x [2, 128] one (packing, then its general kernel; 16 us
// with beta = 1 on two threads) where one pass over C takes ~2 us (bench_gan's ring GAN runs five
// such products per iteration).
constexpr std::int64_t kSmallK = 4;

// One row of a small-k product, added in the order c[j] = start + a[0] b[0][j] + a[1] b[1][j] + ...
// (b's row p at b + p * ldb), then v < 0 ? 0 : v when relu; 16 columns at a time (they stay in L1
// over p). start is nothing (kStart 0), c[j] itself (1: accumulate) or bias[j] (2: the epilogue,
// the same expression as a c preloaded with the bias, so the same bits).
template <int kStart, typename T>
void small_k_row(const T* __restrict a, const T* __restrict b, std::int64_t ldb,
                 const T* __restrict bias, T* __restrict c, std::int64_t n, std::int64_t k,
                 bool relu) {
  std::int64_t j = 0;
  for (; j + detail::kBlock <= n; j += detail::kBlock) {
    T* __restrict cj = c + j;
    if constexpr (kStart == 1) {
      for (int q = 0; q < detail::kBlock; ++q) cj[q] += a[0] * b[j + q];
    } else if constexpr (kStart == 2) {
      for (int q = 0; q < detail::kBlock; ++q) cj[q] = bias[j + q] + a[0] * b[j + q];
    } else {
      for (int q = 0; q < detail::kBlock; ++q) cj[q] = a[0] * b[j + q];
    }
    for (std::int64_t p = 1; p < k; ++p)
      for (int q = 0; q < detail::kBlock; ++q) cj[q] += a[p] * b[p * ldb + j + q];
    if (relu)
      for (int q = 0; q < detail::kBlock; ++q) cj[q] = cj[q] < T(0) ? T(0) : cj[q];
  }
  for (; j < n; ++j) {
    T s = a[0] * b[j];
    if constexpr (kStart == 1) s = c[j] + a[0] * b[j];
    if constexpr (kStart == 2) s = bias[j] + a[0] * b[j];
    for (std::int64_t p = 1; p < k; ++p) s += a[p] * b[p * ldb + j];
    c[j] = relu && s < T(0) ? T(0) : s;
  }
}

// C[m, n] (+)= op(A) op(B) for k <= kSmallK, with the epilogue ep (not with accumulate); op(B) is
// packed as k rows of n when B is stored transposed. Tasks own whole rows of C, so the bits do
// not depend on the thread count.
template <typename T>
void gemm_small_k(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* a,
                  std::int64_t lda, const T* b, std::int64_t ldb, T* c, bool accumulate,
                  const Epilogue<T>& ep) {
  std::vector<T> packed;
  const T* rows = b;
  std::int64_t ld = ldb;
  if (tb) {
    packed.resize(static_cast<std::size_t>(k * n));
    for (std::int64_t p = 0; p < k; ++p)
      for (std::int64_t j = 0; j < n; ++j)
        packed[static_cast<std::size_t>(p * n + j)] = b[j * ldb + p];
    rows = packed.data();
    ld = n;
  }
  const std::int64_t grain = std::max<std::int64_t>(1, kGrainElementwise / n);
  detail::run_chunks(m, grain, [&](std::int64_t i0, std::int64_t i1) {
    T av[kSmallK];
    for (std::int64_t i = i0; i < i1; ++i) {
      for (std::int64_t p = 0; p < k; ++p) av[p] = ta ? a[p * lda + i] : a[i * lda + p];
      T* ci = c + i * n;
      if (accumulate) {
        small_k_row<1>(av, rows, ld, ep.bias, ci, n, k, ep.relu);
      } else if (ep.bias) {
        small_k_row<2>(av, rows, ld, ep.bias, ci, n, k, ep.relu);
      } else {
        small_k_row<0>(av, rows, ld, ep.bias, ci, n, k, ep.relu);
      }
    }
  });
}

// accumulate: C += op(A) op(B) (every block adds to its own part of C, so the cut is unchanged).
// ep: the epilogue (not with accumulate), applied block by block.
template <typename T>
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T* c, bool accumulate = false,
          const Epilogue<T>& ep = {}) {
  if (k <= kSmallK) {
    gemm_small_k(ta, tb, m, n, k, a, lda, b, ldb, c, accumulate, ep);
    return;
  }
  // m * n * k < kGemmSplitMacs, written so the three-way product cannot overflow (k >= 1).
  if (m * n <= (kGemmSplitMacs - 1) / k) {
    gemm1(ta, tb, m, n, k, a, lda, b, ldb, c, n, accumulate, ep);
    return;
  }
  const bool rows_ok = m >= kGemmBlocks * kGemmMinBlock, cols_ok = n >= kGemmBlocks * kGemmMinBlock;
  const bool rows_by_rule = m >= kGemmBlocks * 64 && (n < 2 * m || k * n <= kGemmRowPackMax);
  const bool by_cols = cols_ok && !(rows_ok && rows_by_rule);
  const std::int64_t extent = by_cols ? n : m;
  if (!rows_ok && !cols_ok) {
    if (k >= kGemmBlocks * kGemmMinK) {
      // No per-block store here: the bias preloaded, one rectifier pass after the partial sums.
      if (ep.bias) preload_bias(c, m, n, n, ep.bias);
      gemm_split_k(ta, tb, m, n, k, a, lda, b, ldb, c, accumulate || ep.bias != nullptr);
      if (ep.relu) relu_rows(c, m, n, n);
    } else {
      gemm1(ta, tb, m, n, k, a, lda, b, ldb, c, n, accumulate, ep);
    }
    return;
  }
  // Inner block boundaries sit at the multiple of 16 nearest an even split: every block but the
  // last stays on OpenBLAS's full-width kernels, and the blocks stay balanced (1000 rows cut
  // 496 + 504, not 512 + 488).
  auto bound = [extent](std::int64_t i) -> std::int64_t {
    return i == kGemmBlocks ? extent : (extent * i / kGemmBlocks + 8) / 16 * 16;
  };
  parallel_for(kGemmBlocks, 1, [&](std::int64_t i0, std::int64_t i1) {
    for (std::int64_t i = i0; i < i1; ++i) {
      const std::int64_t lo = bound(i), hi = bound(i + 1);
      if (by_cols) {
        gemm1(ta, tb, m, hi - lo, k, a, lda, tb ? b + lo * ldb : b + lo, ldb, c + lo, n, accumulate,
              ep.from_column(lo));
      } else {
        gemm1(ta, tb, hi - lo, n, k, ta ? a + lo : a + lo * lda, lda, b, ldb, c + lo * n, n,
              accumulate, ep);
      }
    }
  });
}

// c[m,n] = sum_k a(i,k) b(k,j); a(i,k) at a[i*ai + k*ak], b(k,j) at b[k*bk + j*bj].
void int_gemm(std::int64_t m, std::int64_t n, std::int64_t k, const std::int64_t* a,
              std::int64_t ai, std::int64_t ak, const std::int64_t* b, std::int64_t bk,
              std::int64_t bj, std::int64_t* c) {
  for (std::int64_t i = 0; i < m; ++i) {
    std::int64_t* crow = c + i * n;
    std::fill(crow, crow + n, std::int64_t{0});
    for (std::int64_t p = 0; p < k; ++p) {
      const std::int64_t av = a[i * ai + p * ak];
      const std::int64_t* brow = b + p * bk;
      // Wraps modulo 2^64 like PyTorch's int64 matmul (in uint64: signed overflow is undefined).
      const auto ua = static_cast<std::uint64_t>(av);
      for (std::int64_t j = 0; j < n; ++j)
        crow[j] = static_cast<std::int64_t>(static_cast<std::uint64_t>(crow[j]) +
                                            ua * static_cast<std::uint64_t>(brow[j * bj]));
    }
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  MINIDL_CHECK(a.defined() && b.defined(), "matmul: undefined operand");
  MINIDL_CHECK(a.dtype() == b.dtype(), "matmul: dtype mismatch, a ", dtype_name(a.dtype()),
               " vs b ", dtype_name(b.dtype()));
  MINIDL_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: operands need rank >= 1, got a ",
               shape_str(a.shape()), " vs b ", shape_str(b.shape()));
  const bool a_vec = a.dim() == 1, b_vec = b.dim() == 1;
  if (a_vec) trans_a = false;
  if (b_vec) trans_b = false;
  // Stored (untransposed) matrix shapes after promoting vectors.
  const Shape as = a_vec ? Shape{1, a.shape()[0]} : a.shape();
  const Shape bs = b_vec ? Shape{b.shape()[0], 1} : b.shape();
  const std::int64_t ar = as[as.size() - 2], ac = as.back(), br = bs[bs.size() - 2], bc = bs.back();
  const std::int64_t m = trans_a ? ac : ar, ka = trans_a ? ar : ac;
  const std::int64_t kb = trans_b ? bc : br, n = trans_b ? br : bc;
  MINIDL_CHECK(ka == kb, "matmul: inner dims differ, a ", shape_str(a.shape()), " vs b ",
               shape_str(b.shape()), trans_a ? " (trans_a)" : "", trans_b ? " (trans_b)" : "");
  const std::int64_t k = ka;

  const Shape a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  const Shape out_batch = batch_shape(a_batch, b_batch, a, b);
  Shape out_shape = out_batch;
  if (!a_vec) out_shape.push_back(m);
  if (!b_vec) out_shape.push_back(n);
  // a [2^32, 1] times b [1, 2^32], or batch axes broadcast against each other, can overflow.
  const std::optional<std::int64_t> out_numel = checked_numel(out_shape);
  MINIDL_CHECK(out_numel.has_value(), "matmul: a ", shape_str(a.shape()), " times b ",
               shape_str(b.shape()), " gives shape ", shape_str(out_shape),
               ", which has more than 2^63-1 elements");
  if (*out_numel == 0) return Tensor(out_shape, a.dtype());
  if (k == 0) return zeros(out_shape, a.dtype());
  const BatchPlan plan = plan_batches(out_batch, a_batch, b_batch, ar * ac, br * bc);
  const auto batches = static_cast<std::int64_t>(plan.a_off.size());
  Tensor out(out_shape, a.dtype());  // uninitialised: every GEMM runs with beta = 0
  const std::int64_t lda = ac, ldb = bc;

  if (a.dtype() == kInt64) {
    const std::int64_t* ap = a.data<std::int64_t>();
    const std::int64_t* bp = b.data<std::int64_t>();
    std::int64_t* cp = out.data<std::int64_t>();
    const std::int64_t ai = trans_a ? 1 : lda, ak = trans_a ? lda : 1;
    const std::int64_t bk = trans_b ? 1 : ldb, bj = trans_b ? ldb : 1;
    // Each task owns whole output rows, so the sum order never depends on scheduling.
    const std::int64_t grain = std::max<std::int64_t>(1, kGrainElementwise / (n * k));
    parallel_for(batches * m, grain, [&](std::int64_t r0, std::int64_t r1) {
      for (std::int64_t r = r0; r < r1; ++r) {
        const std::int64_t bi = r / m, i = r % m;
        int_gemm(1, n, k, ap + plan.a_off[static_cast<std::size_t>(bi)] + i * ai, ai, ak,
                 bp + plan.b_off[static_cast<std::size_t>(bi)], bk, bj, cp + r * n);
      }
    });
    return out;
  }

  detail::dispatch_floating(a.dtype(), "matmul", [&](auto tag) {
    using T = decltype(tag);
    const T* ap = a.data<T>();
    const T* bp = b.data<T>();
    T* cp = out.data<T>();
    if (b_batch.empty() && !trans_a) {
      // a's batch is contiguous rows of one tall matrix (a 2-D or 1-D a is the batch = 1 case).
      gemm(false, trans_b, batches * m, n, k, ap, lda, bp, ldb, cp);
      return;
    }
    for (std::int64_t bi = 0; bi < batches; ++bi) {
      const auto u = static_cast<std::size_t>(bi);
      gemm(trans_a, trans_b, m, n, k, ap + plan.a_off[u], lda, bp + plan.b_off[u], ldb,
           cp + bi * m * n);
    }
  });
  return out;
}

namespace {

// out = bias + op(a) op(b), then relu when asked. A Linear layer's bias (one row [n], floating
// operands) goes to the GEMM as its epilogue: added as each block is stored (minidl's own kernel),
// or one memcpy per row before a beta = 1 product (the general broadcast, copy_strided, took 5 us
// for [128] -> [256, 128], 2.5x that). Any other bias is broadcast into the output first.
// Either way the product is added to the bias once, in the same order, and replaces the matmul's
// output pass and a separate bias add's read-modify pass.
Tensor addmm_impl(const char* op, const Tensor& bias, const Tensor& a, const Tensor& b,
                  bool trans_a, bool trans_b, bool relu) {
  MINIDL_CHECK(bias.defined() && a.defined() && b.defined(), op, ": undefined operand");
  MINIDL_CHECK(a.dim() == 2 && b.dim() == 2, op, ": a and b must be 2-D, got a ",
               shape_str(a.shape()), " and b ", shape_str(b.shape()));
  MINIDL_CHECK(bias.dtype() == a.dtype() && a.dtype() == b.dtype(), op, ": dtype mismatch, bias ",
               dtype_name(bias.dtype()), ", a ", dtype_name(a.dtype()), ", b ",
               dtype_name(b.dtype()));
  MINIDL_CHECK(!relu || is_floating(a.dtype()), op, ": operands must be float32 or float64, got ",
               dtype_name(a.dtype()));
  const std::int64_t m = trans_a ? a.shape()[1] : a.shape()[0];
  const std::int64_t k = trans_a ? a.shape()[0] : a.shape()[1];
  const std::int64_t kb = trans_b ? b.shape()[1] : b.shape()[0];
  const std::int64_t n = trans_b ? b.shape()[0] : b.shape()[1];
  MINIDL_CHECK(k == kb, op, ": inner dims differ, a ", shape_str(a.shape()), " vs b ",
               shape_str(b.shape()), trans_a ? " (trans_a)" : "", trans_b ? " (trans_b)" : "");
  MINIDL_CHECK(bias.dim() <= 2, op, ": bias ", shape_str(bias.shape()),
               " does not broadcast to the product's shape [", m, ", ", n, "]");
  const bool row_bias =
      bias.numel() == n && n > 0 && (bias.dim() == 1 || (bias.dim() == 2 && bias.shape()[0] == 1));
  if (is_floating(a.dtype()) && row_bias && m > 0 && k > 0) {
    Tensor out({m, n}, a.dtype());
    detail::dispatch_floating(a.dtype(), op, [&](auto tag) {
      using T = decltype(tag);
      gemm(trans_a, trans_b, m, n, k, a.data<T>(), a.shape()[1], b.data<T>(), b.shape()[1],
           out.data<T>(), /*accumulate=*/false, Epilogue<T>{bias.data<T>(), relu});
    });
    return out;
  }
  // names the shapes when the bias does not broadcast; an [m, n] bias comes back as itself
  Tensor out = broadcast_to(bias, {m, n});
  if (out.shares_storage(bias)) out = out.clone();
  if (!is_floating(a.dtype())) return add(out, matmul(a, b, trans_a, trans_b));
  detail::dispatch_floating(a.dtype(), op, [&](auto tag) {
    using T = decltype(tag);
    if (out.numel() > 0 && k > 0)
      gemm(trans_a, trans_b, m, n, k, a.data<T>(), a.shape()[1], b.data<T>(), b.shape()[1],
           out.data<T>(), /*accumulate=*/true);
    if (relu) relu_rows(out.data<T>(), m, n, n);
  });
  return out;
}

}  // namespace

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, bool trans_a, bool trans_b) {
  return addmm_impl("addmm", bias, a, b, trans_a, trans_b, false);
}

Tensor addmm_relu(const Tensor& bias, const Tensor& a, const Tensor& b, bool trans_a,
                  bool trans_b) {
  return addmm_impl("addmm_relu", bias, a, b, trans_a, trans_b, true);
}

}  // namespace minidl
