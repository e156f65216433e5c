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
// a plain loop.
#include <algorithm>

#include "tensor/blas.h"
#include "tensor/dispatch.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace minidl {
namespace {

// Element offsets of each output batch item's a and b matrices under NumPy batch broadcasting.
struct BatchPlan {
  Shape out_batch;
  std::vector<std::int64_t> a_off, b_off;
};

BatchPlan plan_batches(const Shape& a_batch, const Shape& b_batch, std::int64_t a_mat,
                       std::int64_t b_mat, const Tensor& a, const Tensor& b) {
  BatchPlan p;
  const std::size_t nd = std::max(a_batch.size(), b_batch.size());
  p.out_batch.assign(nd, 1);
  // Right-aligned batch sizes; 1 where an operand has fewer axes.
  auto aligned = [nd](const Shape& s, std::size_t i) {
    const std::size_t lead = nd - s.size();
    return i < lead ? std::int64_t{1} : s[i - lead];
  };
  for (std::size_t i = 0; i < nd; ++i) {
    const std::int64_t x = aligned(a_batch, i), y = aligned(b_batch, i);
    MINIDL_CHECK(x == y || x == 1 || y == 1, "matmul: batch dims do not broadcast, a ",
                 shape_str(a.shape()), " vs b ", shape_str(b.shape()));
    p.out_batch[i] = x == 1 ? y : x;
  }
  // Strides (in elements) of each operand's batch axes, 0 where broadcast.
  std::vector<std::int64_t> as(nd, 0), bs(nd, 0);
  std::int64_t sa = a_mat, sb = b_mat;
  for (std::size_t i = nd; i-- > 0;) {
    const std::int64_t x = aligned(a_batch, i), y = aligned(b_batch, i);
    as[i] = x == 1 ? 0 : sa;
    bs[i] = y == 1 ? 0 : sb;
    sa *= x;
    sb *= y;
  }
  const std::int64_t count = shape_numel(p.out_batch);
  p.a_off.resize(static_cast<std::size_t>(count));
  p.b_off.resize(static_cast<std::size_t>(count));
  for (std::int64_t f = 0; f < count; ++f) {
    std::int64_t rest = f, ao = 0, bo = 0;
    for (std::size_t i = nd; i-- > 0;) {
      const std::int64_t m = rest % p.out_batch[i];
      rest /= p.out_batch[i];
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

void gemm1(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const float* a,
           std::int64_t lda, const float* b, std::int64_t ldb, float* c, std::int64_t ldc) {
  blas::sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, ldc);
}
void gemm1(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const double* a,
           std::int64_t lda, const double* b, std::int64_t ldb, double* c, std::int64_t ldc) {
  blas::dgemm(ta, tb, m, n, k, 1.0, a, lda, b, ldb, 0.0, c, ldc);
}

// C[m,n] = op(A) op(B), C contiguous. A large product is cut along the longer side of C: every
// block packs its own copy of the operand the blocks share (all of op(B) for row blocks, all of
// op(A) for column blocks), so cutting C's longer side duplicates the packing of the smaller
// operand. For the MLP's X[128,784] W^T (W [256,784]) column blocks cost ~5% less CPU than row
// blocks; for a batch of 1000 rows row blocks win by as much (measured, one thread per block).
// Rows [r0, r1) of op(A) start at row r0 of A, or at column r0 when A is stored transposed;
// columns [j0, j1) of op(B) start at column j0 of B, or at row j0 when B is stored transposed.
template <typename T>
void gemm(bool ta, bool tb, std::int64_t m, std::int64_t n, std::int64_t k, const T* a,
          std::int64_t lda, const T* b, std::int64_t ldb, T* c) {
  const bool by_cols = n >= m;
  const std::int64_t extent = by_cols ? n : m;
  if (m * n * k < kGemmSplitMacs || extent < kGemmBlocks * kGemmMinBlock) {
    gemm1(ta, tb, m, n, k, a, lda, b, ldb, c, n);
    return;
  }
  // Block boundaries rounded to 16 keep every block on OpenBLAS's full-width kernels.
  const std::int64_t per_block = (extent + kGemmBlocks - 1) / kGemmBlocks;
  const std::int64_t block = (per_block + 15) / 16 * 16;
  if (by_cols) {
    parallel_for(n, block, [&](std::int64_t j0, std::int64_t j1) {
      gemm1(ta, tb, m, j1 - j0, k, a, lda, tb ? b + j0 * ldb : b + j0, ldb, c + j0, n);
    });
  } else {
    parallel_for(m, block, [&](std::int64_t r0, std::int64_t r1) {
      gemm1(ta, tb, r1 - r0, n, k, ta ? a + r0 : a + r0 * lda, lda, b, ldb, c + r0 * n, n);
    });
  }
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
      for (std::int64_t j = 0; j < n; ++j) crow[j] += av * brow[j * bj];
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
  const BatchPlan plan = plan_batches(a_batch, b_batch, ar * ac, br * bc, a, b);
  Shape out_shape = plan.out_batch;
  if (!a_vec) out_shape.push_back(m);
  if (!b_vec) out_shape.push_back(n);
  const auto batches = static_cast<std::int64_t>(plan.a_off.size());

  if (batches * m * n == 0) return Tensor(out_shape, a.dtype());
  if (k == 0) return zeros(out_shape, a.dtype());
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

}  // namespace minidl
