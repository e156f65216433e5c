// Internal to tensor/ (tensor/matmul.cpp, its tests and the benchmarks): minidl's own float32 GEMM
// for the small and medium products of MLPs, on CPUs with AVX-512 (tensor/sgemm_avx512.cpp).
//
// OpenBLAS packs both operands for every call; at an MLP's shapes (a [256, 128] batch times a
// 128x128 weight: 4.2 M multiply-adds, ~50 us) the packing and its generic blocking cost 20-30%
// of the call. This kernel packs only op(B), in panels of 32 columns, and streams op(A) straight
// from memory into broadcasts: 8 rows x 32 columns of C per micro-tile, 16 AVX-512 accumulators.
// Each C element is one chain of fused multiply-adds over k in order, from 0 (then added to C
// when accumulating), so its bits depend on the operands and k alone: not on m, n, the tiling or
// the thread that runs it.
#pragma once

#include <cstdint>

namespace minidl::detail {

// Whether own_sgemm would run: the CPU has AVX-512F, the kernel is on (set_own_sgemm) and the
// shape is one it beats OpenBLAS on (measured, tensor/sgemm_avx512.cpp).
bool own_sgemm_applies(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k);
// C[m, n] (row stride ldc) = op(A) op(B), or C + op(A) op(B) when accumulate; A, B, C as in
// blas::sgemm (row-major, lda/ldb the stored row strides). C must not overlap A or B.
// The epilogue, applied as each tile is stored (addmm, addmm_relu): bias (n values, or nullptr)
// gives C[i, j] = bias[j] + (op(A) op(B))[i, j], the bits of accumulating onto a C preloaded with
// the bias (not with accumulate); relu then maps each value v to v < 0 ? 0 : v (NaN and -0 kept).
void own_sgemm(bool trans_a, bool trans_b, std::int64_t m, std::int64_t n, std::int64_t k,
               const float* a, std::int64_t lda, const float* b, std::int64_t ldb, float* c,
               std::int64_t ldc, bool accumulate, const float* bias = nullptr, bool relu = false);
// Whether the CPU can run it (AVX-512F).
bool own_sgemm_supported();
// MINIDL_OWN_SGEMM's value (nullptr: unset) as on or off: 0/off/false/no turn the kernel off,
// 1/on/true/yes or empty or unset leave it on; any other value leaves it on and says so on stderr,
// naming the value (a typo must not pass silently for a setting; read once, at start-up).
bool own_sgemm_env_on(const char* value);

}  // namespace minidl::detail
