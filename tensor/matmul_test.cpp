// Tests for tensor/matmul.cpp against naive::matmul (a double triple loop) on awkward shapes, every
// transposition, 1-D promotion, batch broadcasting and all three dtypes; plus thread determinism
// and the error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "tensor/blas.h"
#include "tensor/naive_layout.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tensor/sgemm_avx512.h"
#include "tests/test_util.h"

using namespace minidl;
using minidl::testing::bitwise_equal;

namespace {

Tensor rand_of(const Shape& shape, DType dt, Generator& gen) {
  return dt == kInt64 ? randint(-9, 10, shape, gen) : randn(shape, gen, dt);
}

// The stored shape of an operand whose last two axes are read transposed.
Shape stored(Shape s, bool trans) {
  if (trans && s.size() >= 2) std::swap(s[s.size() - 1], s[s.size() - 2]);
  return s;
}

void check_against_naive(const Shape& as, const Shape& bs, DType dt, Generator& gen,
                         bool ta = false, bool tb = false) {
  CAPTURE(shape_str(as));
  CAPTURE(shape_str(bs));
  CAPTURE(dtype_name(dt));
  CAPTURE(ta);
  CAPTURE(tb);
  Tensor a = rand_of(stored(as, ta), dt, gen), b = rand_of(stored(bs, tb), dt, gen);
  Tensor got = matmul(a, b, ta, tb);
  Tensor want = naive::matmul(a, b, ta, tb);
  if (dt == kFloat32) {
    CHECK_TENSOR_CLOSE(got, want, 1e-4, 1e-5);
  } else if (dt == kFloat64) {
    CHECK_TENSOR_CLOSE(got, want, 1e-12, 1e-13);
  } else {
    CHECK(bitwise_equal(got, want));
  }
}

}  // namespace

TEST_CASE("matmul: known values") {
  Tensor a = tensor({{1, 2}, {3, 4}}), b = tensor({{5, 6}, {7, 8}});
  CHECK(matmul(a, b).to_vector() == std::vector<double>{19, 22, 43, 50});
  CHECK(matmul(a, b, true).to_vector() == std::vector<double>{26, 30, 38, 44});
  CHECK(matmul(a, b, false, true).to_vector() == std::vector<double>{17, 23, 39, 53});
  Tensor v = tensor({1, 2});
  Tensor dot = matmul(v, v);
  CHECK(dot.dim() == 0);
  CHECK(dot.item() == 5);
  CHECK(matmul(v, a).to_vector() == std::vector<double>{7, 10});
  CHECK(matmul(a, v).to_vector() == std::vector<double>{5, 11});
  Tensor ia = a.to(kInt64);
  Tensor ib = b.to(kInt64);
  CHECK(matmul(ia, ib).dtype() == kInt64);
  CHECK(matmul(ia, ib).to_vector() == std::vector<double>{19, 22, 43, 50});
}

TEST_CASE("matmul: every transposition matches the naive reference") {
  Generator gen(7);
  for (DType dt : {kFloat32, kFloat64, kInt64})
    for (bool ta : {false, true})
      for (bool tb : {false, true}) {
        check_against_naive({7, 13}, {13, 5}, dt, gen, ta, tb);
        check_against_naive({3, 4, 5}, {3, 5, 2}, dt, gen, ta, tb);
        check_against_naive({2, 1, 4, 5}, {3, 5, 6}, dt, gen, ta, tb);
        check_against_naive({3, 4, 5}, {5, 2}, dt, gen, ta, tb);
        check_against_naive({4, 5}, {3, 5, 2}, dt, gen, ta, tb);
      }
}

TEST_CASE("matmul: awkward shapes match the naive reference") {
  Generator gen(7);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{1, 1}, {1, 1}},          {{1, 1}, {1, 7}}, {{6, 1}, {1, 4}}, {{7, 13}, {13, 5}},
      {{13}, {13, 5}},           {{7, 13}, {13}},  {{13}, {13}},     {{3, 4, 5}, {5, 2}},
      {{2, 1, 4, 5}, {3, 5, 6}}, {{5}, {2, 5, 3}}, {{2, 3, 4}, {4}}, {{1, 4, 5}, {3, 5, 2}},
      {{65, 33}, {33, 17}}};
  for (DType dt : {kFloat32, kFloat64, kInt64})
    for (const auto& [as, bs] : cases) check_against_naive(as, bs, dt, gen);
  // Transpose flags are ignored for 1-D operands.
  Tensor v = randn({5}, gen, kFloat64), m = randn({5, 3}, gen, kFloat64);
  CHECK(bitwise_equal(matmul(v, m, true, false), matmul(v, m)));
  CHECK(matmul(v, m, true, false).shape() == Shape{3});
}

TEST_CASE(
    "matmul: the small-k loop (k <= 4) matches the naive product, the same on 1 and 2 threads") {
  // k <= 4 bypasses BLAS (tensor/matmul.cpp, gemm_small_k): first layers on 2-D points and outer
  // products. Every transposition, n on and off the 16-column blocks, rows past one task's grain.
  Generator gen(5);
  for (DType dt : {kFloat32, kFloat64})
    for (std::int64_t k : {1, 2, 3, 4, 5})
      for (bool ta : {false, true})
        for (bool tb : {false, true}) {
          check_against_naive({300, k}, {k, 131}, dt, gen, ta, tb);
          check_against_naive({7, k}, {k, 16}, dt, gen, ta, tb);
          check_against_naive({2, 3, k}, {k, 5}, dt, gen, ta, tb);
        }
  Tensor a = randn({1000, 2}, gen, kFloat32), b = randn({128, 2}, gen, kFloat32);
  set_num_threads(1);
  Tensor one = matmul(a, b, false, true);
  set_num_threads(2);
  Tensor two = matmul(a, b, false, true);
  set_num_threads(0);
  CHECK(bitwise_equal(one, two));
}

TEST_CASE("matmul: empty and K = 0 shapes") {
  Tensor z = matmul(ones({3, 0}), ones({0, 4}));
  CHECK(z.shape() == Shape{3, 4});
  CHECK(z.to_vector() == std::vector<double>(12, 0.0));
  CHECK(matmul(ones({0}, kFloat64), ones({0}, kFloat64)).item() == 0.0);
  CHECK(matmul(ones({0, 3}), ones({3, 4})).shape() == Shape{0, 4});
  CHECK(matmul(ones({2, 3}), ones({3, 0})).shape() == Shape{2, 0});
  CHECK(matmul(ones({0, 2, 3}), ones({3, 4})).shape() == Shape{0, 2, 4});
  CHECK(matmul(ones({2, 0}, kInt64), ones({0, 2}, kInt64)).to_vector() ==
        std::vector<double>(4, 0.0));
}

TEST_CASE("matmul: float32 results are bitwise identical on 1 and 2 threads") {
  Generator gen(7);
  Tensor a = randn({256, 300}, gen, kFloat32), b = randn({300, 200}, gen, kFloat32);
  set_num_threads(1);
  Tensor one = matmul(a, b);
  Tensor one_t = matmul(b, a, true, true);
  set_num_threads(2);
  Tensor two = matmul(a, b);
  Tensor two_t = matmul(b, a, true, true);
  set_num_threads(0);
  CHECK(bitwise_equal(one, two));
  CHECK(bitwise_equal(one_t, two_t));
  CHECK_TENSOR_CLOSE(one, naive::matmul(a, b), 1e-4, 1e-4);
}

TEST_CASE("matmul: products split into row, column or inner blocks match the naive reference") {
  // Large enough to be split (tensor/matmul.cpp): [100,150] x [150,333] is cut into column
  // blocks (n >= m), [333,150] x [150,100] into row blocks, and [40,3001] x [3001,50] (too
  // narrow for either) along k; sizes off the 16-row grid, every transposition (a transposed
  // operand is stored transposed, as BLAS reads it), and the same bits on 1 and 2 threads.
  Generator gen(11);
  for (const auto& s :
       {std::array<std::int64_t, 3>{100, 333, 150}, {333, 100, 150}, {40, 50, 3001}}) {
    const std::int64_t m = s[0], n = s[1], k = s[2];  // no structured binding: CAPTURE below
    for (bool ta : {false, true}) {
      for (bool tb : {false, true}) {
        CAPTURE(m);
        CAPTURE(ta);
        CAPTURE(tb);
        Tensor a = randn(ta ? Shape{k, m} : Shape{m, k}, gen, kFloat32);
        Tensor b = randn(tb ? Shape{n, k} : Shape{k, n}, gen, kFloat32);
        Tensor want = naive::matmul(ta ? transpose(a, 0, 1) : a, tb ? transpose(b, 0, 1) : b);
        set_num_threads(1);
        Tensor one = matmul(a, b, ta, tb);
        set_num_threads(2);
        Tensor two = matmul(a, b, ta, tb);
        set_num_threads(0);
        CHECK_TENSOR_CLOSE(two, want, 1e-4, 1e-4);
        CHECK(bitwise_equal(one, two));
      }
    }
  }
}

TEST_CASE("matmul: errors name the shapes and dtypes") {
  CHECK_THROWS_WITH_AS(matmul(ones({4, 3}), ones({5, 2})),
                       "matmul: inner dims differ, a [4,3] vs b [5,2]", minidl::Error);
  CHECK_THROWS_WITH_AS(matmul(ones({4}), ones({3})), "matmul: inner dims differ, a [4] vs b [3]",
                       minidl::Error);
  CHECK_THROWS_WITH_AS(matmul(ones({4, 3}), ones({4, 2}), false, true),
                       "matmul: inner dims differ, a [4,3] vs b [4,2] (trans_b)", minidl::Error);
  CHECK_THROWS_WITH_AS(matmul(ones({2, 2}), ones({2, 2}, kFloat64)),
                       "matmul: dtype mismatch, a float32 vs b float64", minidl::Error);
  CHECK_THROWS_WITH_AS(matmul(ones({2, 4, 3}), ones({3, 3, 2})),
                       "matmul: batch dims do not broadcast, a [2,4,3] vs b [3,3,2]",
                       minidl::Error);
  CHECK_THROWS_WITH_AS(matmul(scalar_tensor(1), ones({2})),
                       "matmul: operands need rank >= 1, got a [] vs b [2]", minidl::Error);
}

TEST_CASE("addmm: bias + op(a) op(b) matches the naive product plus the broadcast bias") {
  Generator gen(23);
  // Small (one BLAS call), row-split (256x128x128 = 2^22 multiply-adds, the ring GAN's layers),
  // split along k (narrow output, long inner dimension), and the small-k loop (k <= 4, no BLAS:
  // the ring GAN's first layer [256, 2] x [2, 128], n off the 16-column blocks): every path adds
  // to the preloaded bias once.
  const std::array<std::array<std::int64_t, 3>, 6> shapes = {
      {{5, 3, 7}, {256, 128, 128}, {16, 9, 4096}, {256, 128, 2}, {33, 37, 1}, {40, 21, 4}}};
  for (const auto& s : shapes) {
    const std::int64_t m = s[0], n = s[1], k = s[2];  // no structured binding: CAPTURE below
    for (const Shape& bias_shape : {Shape{n}, Shape{1, n}, Shape{m, 1}, Shape{m, n}, Shape{}}) {
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          CAPTURE(m);
          CAPTURE(n);
          CAPTURE(k);
          CAPTURE(ta);
          CAPTURE(tb);
          CAPTURE(bias_shape.size());
          const Tensor a = randn(ta ? Shape{k, m} : Shape{m, k}, gen, kFloat64);
          const Tensor b = randn(tb ? Shape{n, k} : Shape{k, n}, gen, kFloat64);
          const Tensor bias = randn(bias_shape, gen, kFloat64);
          const Tensor want =
              add(naive::matmul(ta ? transpose(a, 0, 1) : a, tb ? transpose(b, 0, 1) : b), bias);
          CHECK_TENSOR_CLOSE(addmm(bias, a, b, ta, tb), want, 1e-10, 1e-10);
          const Tensor got32 = addmm(bias.to(kFloat32), a.to(kFloat32), b.to(kFloat32), ta, tb);
          CHECK(got32.dtype() == kFloat32);
          CHECK_TENSOR_CLOSE(got32, want.to(kFloat32), 1e-3, 1e-3);
        }
      }
    }
  }
  // An [m, n] bias is read, never written.
  const Tensor bias = ones({2, 2});
  const Tensor out = addmm(bias, ones({2, 3}), ones({3, 2}));
  CHECK(bias.to_vector() == std::vector<double>(4, 1.0));
  CHECK(out.to_vector() == std::vector<double>(4, 4.0));
  // int64 takes matmul's exact loop.
  CHECK(addmm(tensor({1, 2}, kInt64), tensor({{1, 2}, {3, 4}}, kInt64),
              tensor({{1, 0}, {0, 1}}, kInt64))
            .to_vector() == std::vector<double>({2, 4, 4, 6}));
}

TEST_CASE("addmm_relu: the bits of relu(addmm(...)), NaN passed like relu") {
  Generator gen(29);
  // One BLAS call, the row-split ring layer, the small-k loop; both float types, every
  // transposition.
  const std::array<std::array<std::int64_t, 3>, 3> shapes = {
      {{5, 3, 7}, {256, 128, 128}, {256, 128, 2}}};
  for (const auto& s : shapes) {
    const std::int64_t m = s[0], n = s[1], k = s[2];
    for (DType dt : {kFloat32, kFloat64}) {
      for (bool ta : {false, true}) {
        for (bool tb : {false, true}) {
          CAPTURE(m);
          CAPTURE(k);
          CAPTURE(ta);
          CAPTURE(tb);
          const Tensor a = randn(ta ? Shape{k, m} : Shape{m, k}, gen, dt);
          const Tensor b = randn(tb ? Shape{n, k} : Shape{k, n}, gen, dt);
          const Tensor bias = randn({n}, gen, dt);
          const Tensor got = addmm_relu(bias, a, b, ta, tb);
          CHECK(testing::bitwise_equal(got, relu(addmm(bias, a, b, ta, tb))));
          // A bias row goes to the GEMM's store (the epilogue); a full [m, n] bias is preloaded
          // into the output: the same sums in the same order.
          CHECK(testing::bitwise_equal(addmm(bias, a, b, ta, tb),
                                       addmm(broadcast_to(bias, {m, n}), a, b, ta, tb)));
          CHECK(amin(got).item() == 0.0);  // some pre-activations were negative
        }
      }
    }
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> out = addmm_relu(tensor({nan, -1.0, 2.0}, kFloat64),
                                             zeros({1, 3}, kFloat64), zeros({3, 3}, kFloat64))
                                      .to_vector();
  CHECK(std::isnan(out[0]));  // NaN passes, as relu's
  CHECK(out[1] == 0.0);
  CHECK(out[2] == 2.0);
  CHECK_THROWS_WITH_AS(
      addmm_relu(tensor({1}, kInt64), tensor({{1}}, kInt64), tensor({{1}}, kInt64)),
      "addmm_relu: operands must be float32 or float64, got int64", minidl::Error);
  CHECK_THROWS_WITH_AS(addmm_relu(ones({2}), ones({4, 3}), ones({5, 2})),
                       "addmm_relu: inner dims differ, a [4,3] vs b [5,2]", minidl::Error);
}

TEST_CASE("relu_backward: g where the output is positive or NaN, 0 where it is 0 or -0") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (DType dt : {kFloat32, kFloat64}) {
    const Tensor out = tensor({2.0, 0.0, -0.0, nan, 1e-30}, dt), g = tensor({1, 2, 3, 4, 5}, dt);
    CHECK(relu_backward(g, out).to_vector() == std::vector<double>({1, 0, 0, 4, 5}));
  }
  // Long enough for the vector blocks and a tail, against the where() it replaces.
  Generator gen(31);
  const Tensor y = relu(randn({1000, 37}, gen)), g = randn({1000, 37}, gen);
  CHECK(testing::bitwise_equal(relu_backward(g, y), where(y, g, zeros({1}))));
  CHECK_THROWS_WITH_AS(relu_backward(ones({2}), ones({3})),
                       "relu_backward: gradient [2] and output [3] must have one shape and dtype",
                       minidl::Error);
}

TEST_CASE("addmm: errors name the shapes and dtypes") {
  CHECK_THROWS_WITH_AS(addmm(ones({2}), ones({4, 3}), ones({5, 2})),
                       "addmm: inner dims differ, a [4,3] vs b [5,2]", minidl::Error);
  CHECK_THROWS_WITH_AS(addmm(ones({2}), ones({4}), ones({4, 2})),
                       "addmm: a and b must be 2-D, got a [4] and b [4,2]", minidl::Error);
  CHECK_THROWS_WITH_AS(addmm(ones({2}, kFloat64), ones({4, 3}), ones({3, 2})),
                       "addmm: dtype mismatch, bias float64, a float32, b float32", minidl::Error);
  CHECK_THROWS_AS(addmm(ones({3}), ones({4, 3}), ones({3, 2})), minidl::Error);
  CHECK_THROWS_WITH_AS(addmm(ones({1, 4, 2}), ones({4, 3}), ones({3, 2})),
                       "addmm: bias [1,4,2] does not broadcast to the product's shape [4, 2]",
                       minidl::Error);
}

// blas::suggested_coretype: advice only when OpenBLAS fell back to its generic kernels, never when
// the environment already chose a family (OpenBLAS reads the variable at load; getenv is all this
// reads, so setting it here exercises that branch without changing the kernels).
TEST_CASE("blas: OPENBLAS_CORETYPE advice only for the generic fallback, never over a setting") {
  const char* before = std::getenv("OPENBLAS_CORETYPE");
  const std::string saved = before ? before : "";
  ::unsetenv("OPENBLAS_CORETYPE");
  const std::string suggested = blas::suggested_coretype(), advice = blas::kernel_advice();
  const bool generic = blas::backend().ends_with("core Prescott");
  if (!generic) {
    CHECK(suggested.empty());
    CHECK(advice.empty());
  } else if (!suggested.empty()) {
    CHECK((suggested == "SkylakeX" || suggested == "Haswell"));
    CHECK(advice.find("OPENBLAS_CORETYPE=" + suggested) != std::string::npos);
    CHECK(advice.find("Prescott") != std::string::npos);
  }
  ::setenv("OPENBLAS_CORETYPE", "Prescott", 1);
  CHECK(blas::suggested_coretype().empty());
  CHECK(blas::kernel_advice().empty());
  if (before) {
    ::setenv("OPENBLAS_CORETYPE", saved.c_str(), 1);
  } else {
    ::unsetenv("OPENBLAS_CORETYPE");
  }
}

namespace minidl {
namespace {

// op(A) op(B) (+ C) in double, A, B, C stored with the given row strides.
std::vector<double> reference_product(bool ta, bool tb, std::int64_t m, std::int64_t n,
                                      std::int64_t k, const std::vector<float>& a, std::int64_t lda,
                                      const std::vector<float>& b, std::int64_t ldb,
                                      const std::vector<float>& c0, std::int64_t ldc,
                                      bool accumulate) {
  std::vector<double> out(static_cast<std::size_t>(m * n));
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      double s = accumulate ? c0[static_cast<std::size_t>(i * ldc + j)] : 0.0;
      for (std::int64_t p = 0; p < k; ++p)
        s += static_cast<double>(a[static_cast<std::size_t>(ta ? p * lda + i : i * lda + p)]) *
             b[static_cast<std::size_t>(tb ? j * ldb + p : p * ldb + j)];
      out[static_cast<std::size_t>(i * n + j)] = s;
    }
  return out;
}

}  // namespace

TEST_CASE("own sgemm: every transposition, row and column tails, strides, accumulate") {
  if (!detail::own_sgemm_supported()) {
    MESSAGE("this CPU has no AVX-512F: minidl's own sgemm is never used here");
    return;
  }
  Generator gen(11);
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (const std::array<std::int64_t, 3>& mnk : {std::array<std::int64_t, 3>{16, 32, 16},
                                                     {23, 33, 31},
                                                     {8, 64, 128},
                                                     {41, 100, 129},
                                                     {3, 5, 7},
                                                     {64, 31, 300},
                                                     // A^T too large to pack: read in place
                                                     {520, 40, 520}}) {
        const std::int64_t m = mnk[0], n = mnk[1], k = mnk[2];
        CAPTURE(ta);
        CAPTURE(tb);
        CAPTURE(m);
        CAPTURE(n);
        CAPTURE(k);
        // Row strides 3 beyond the minimum, so no row starts where the last one ended.
        const std::int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 3, ldc = n + 3;
        auto fill = [&](std::int64_t count) {
          const Tensor t = rand({count}, gen, kFloat32, -1, 1);
          return std::vector<float>(t.data<float>(), t.data<float>() + count);
        };
        const std::vector<float> a = fill((ta ? k : m) * lda), b = fill((tb ? n : k) * ldb);
        for (bool accumulate : {false, true}) {
          std::vector<float> c = fill(m * ldc);
          const std::vector<float> c0 = c;
          detail::own_sgemm(ta, tb, m, n, k, a.data(), lda, b.data(), ldb, c.data(), ldc,
                            accumulate);
          const std::vector<double> want =
              reference_product(ta, tb, m, n, k, a, lda, b, ldb, c0, ldc, accumulate);
          double worst = 0;
          for (std::int64_t i = 0; i < m; ++i) {
            for (std::int64_t j = 0; j < n; ++j)
              worst = std::max(worst, std::abs(c[static_cast<std::size_t>(i * ldc + j)] -
                                               want[static_cast<std::size_t>(i * n + j)]));
            // The padding between rows is untouched.
            for (std::int64_t j = n; j < ldc; ++j)
              CHECK(c[static_cast<std::size_t>(i * ldc + j)] ==
                    c0[static_cast<std::size_t>(i * ldc + j)]);
          }
          CHECK(worst <= 1e-6 * static_cast<double>(k));
        }
      }
}

TEST_CASE("own sgemm: the epilogue's bias and rectifier have the bits of preload and relu") {
  if (!detail::own_sgemm_supported()) return;
  Generator gen(13);
  for (const std::array<std::int64_t, 3>& mnk :
       {std::array<std::int64_t, 3>{16, 32, 16}, {23, 33, 31}, {41, 100, 129}}) {
    const std::int64_t m = mnk[0], n = mnk[1], k = mnk[2];
    CAPTURE(m);
    const Tensor a = randn({m, k}, gen), b = randn({n, k}, gen), bias = randn({n}, gen);
    // Preloaded: C = bias in every row, then C + product.
    Tensor want = empty({m, n});
    for (std::int64_t i = 0; i < m; ++i)
      std::copy(bias.data<float>(), bias.data<float>() + n, want.data<float>() + i * n);
    detail::own_sgemm(false, true, m, n, k, a.data<float>(), k, b.data<float>(), k,
                      want.data<float>(), n, true);
    for (bool relu : {false, true}) {
      Tensor got = full({m, n}, 7.0);  // overwritten, not read
      detail::own_sgemm(false, true, m, n, k, a.data<float>(), k, b.data<float>(), k,
                        got.data<float>(), n, false, bias.data<float>(), relu);
      CHECK(testing::bitwise_equal(got, relu ? minidl::relu(want) : want));
    }
  }
}

TEST_CASE("own sgemm: a row's bits do not depend on the rows around it") {
  if (!detail::own_sgemm_supported()) return;
  Generator gen(12);
  const std::int64_t m = 40, n = 70, k = 100;
  const Tensor a = rand({m, k}, gen, kFloat32, -1, 1), b = rand({n, k}, gen, kFloat32, -1, 1);
  Tensor whole = empty({m, n}), part = empty({7, n});
  detail::own_sgemm(false, true, m, n, k, a.data<float>(), k, b.data<float>(), k,
                    whole.data<float>(), n, false);
  // Rows 9 .. 15: a 7-row product (the tail kernel) against rows of the 8-row tiles.
  detail::own_sgemm(false, true, 7, n, k, a.data<float>() + 9 * k, k, b.data<float>(), k,
                    part.data<float>(), n, false);
  CHECK(testing::bitwise_equal(part, whole.narrow_rows(9, 7).clone()));
}

TEST_CASE("own sgemm: set_own_sgemm(false) sends matmul to OpenBLAS, within rounding") {
  Generator gen(13);
  const Tensor x = rand({256, 128}, gen, kFloat32, -1, 1), w = rand({128, 128}, gen, kFloat32);
  // On for this test whatever MINIDL_OWN_SGEMM says (scripts/test-kernels runs it with 0 too).
  const bool was_on = blas::own_sgemm_enabled() || !detail::own_sgemm_supported();
  blas::set_own_sgemm(true);
  CHECK(detail::own_sgemm_applies(false, true, 256, 128, 128) == detail::own_sgemm_supported());
  CHECK(detail::own_sgemm_applies(true, false, 128, 128, 512) == detail::own_sgemm_supported());
  CHECK_FALSE(detail::own_sgemm_applies(true, false, 128, 128, 513));  // A^T B above k = 512
  CHECK_FALSE(detail::own_sgemm_applies(false, false, 4, 128, 128));   // too few rows
  const Tensor own = matmul(x, w, false, true);
  blas::set_own_sgemm(false);
  CHECK_FALSE(blas::own_sgemm_enabled());
  CHECK_FALSE(detail::own_sgemm_applies(false, true, 256, 128, 128));
  const Tensor theirs = matmul(x, w, false, true);
  blas::set_own_sgemm(true);
  CHECK(blas::own_sgemm_enabled() == detail::own_sgemm_supported());
  CHECK(amax(abs(sub(own, theirs))).item() <= 1e-4);
  blas::set_own_sgemm(was_on);
}

TEST_CASE("own sgemm: MINIDL_OWN_SGEMM's values") {
  for (const char* on : {"1", "on", "true", "yes", "ON", ""}) CHECK(detail::own_sgemm_env_on(on));
  for (const char* off : {"0", "off", "false", "no", "OFF"})
    CHECK_FALSE(detail::own_sgemm_env_on(off));
  CHECK(detail::own_sgemm_env_on(nullptr));  // unset
  // Anything else keeps the kernel on, with a warning that names the value.
  CHECK(detail::own_sgemm_env_on("maybe"));
}

}  // namespace minidl
