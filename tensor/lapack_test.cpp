// eigh through LAPACK (tensor/lapack.h): closed forms, A = Q diag(lambda) Q^T with orthonormal Q
// on awkward sizes, only the lower triangle read, eigenvalues-only mode, errors. The comparison
// with torch.linalg.eigh is in metrics/frechet_test.cpp (this file links layer 0 only).
#include "tensor/lapack.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl {
namespace {

TEST_CASE("eigh: a 2x2 closed form and a diagonal matrix, eigenvalues ascending") {
  // [[2, 1], [1, 2]]: eigenvalues 1 and 3, vectors (1, -1)/sqrt 2 and (1, 1)/sqrt 2.
  linalg::EighResult e = linalg::eigh(tensor({{2.0, 1.0}, {1.0, 2.0}}).to(kFloat64));
  CHECK(e.eigenvalues.dtype() == kFloat64);
  CHECK(e.eigenvalues.at(0) == doctest::Approx(1.0));
  CHECK(e.eigenvalues.at(1) == doctest::Approx(3.0));
  const double r = 1.0 / std::sqrt(2.0);
  // Column 1 is +-(1, 1)/sqrt 2.
  CHECK(std::abs(e.eigenvectors.at(1)) == doctest::Approx(r));
  CHECK(e.eigenvectors.at(1) == doctest::Approx(e.eigenvectors.at(3)));
  CHECK(e.eigenvectors.at(0) == doctest::Approx(-e.eigenvectors.at(2)));
  linalg::EighResult d = linalg::eigh(tensor({{5.0, 0.0, 0.0}, {0.0, -1.0, 0.0}, {0.0, 0.0, 2.0}}));
  CHECK_TENSOR_CLOSE(d.eigenvalues, tensor({-1.0, 2.0, 5.0}).to(kFloat64), 1e-14, 1e-14);
}

TEST_CASE("eigh: reconstructs A with orthonormal eigenvectors on awkward sizes") {
  Generator gen(11);
  for (std::int64_t n : {1, 3, 17, 64}) {
    CAPTURE(n);
    Tensor b = randn({n, n}, gen, kFloat64);
    Tensor a = add(b, transpose(b, 0, 1));
    linalg::EighResult e = linalg::eigh(a);
    Tensor q = e.eigenvectors;
    Tensor qlq = matmul(mul(q, e.eigenvalues.reshape({1, n})), q, false, true);
    CHECK_TENSOR_CLOSE(qlq, a, 1e-11, 1e-11);
    CHECK_TENSOR_CLOSE(matmul(q, q, true, false), eye(n, -1, kFloat64), 1e-12, 1e-12);
    for (std::int64_t i = 1; i < n; ++i) CHECK(e.eigenvalues.at(i - 1) <= e.eigenvalues.at(i));
    // Eigenvalues only: the same values.
    CHECK_TENSOR_CLOSE(linalg::eigh(a, false).eigenvalues, e.eigenvalues, 1e-12, 1e-12);
    CHECK_FALSE(linalg::eigh(a, false).eigenvectors.defined());
  }
}

TEST_CASE("eigh: reads only the lower triangle, as torch.linalg.eigh (UPLO L)") {
  Tensor lower = tensor({{2.0, 99.0}, {1.0, 2.0}}).to(kFloat64);
  linalg::EighResult e = linalg::eigh(lower);
  CHECK(e.eigenvalues.at(0) == doctest::Approx(1.0));
  CHECK(e.eigenvalues.at(1) == doctest::Approx(3.0));
}

TEST_CASE("eigh: errors name the op and the values") {
  CHECK_THROWS_WITH_AS(linalg::eigh(zeros({2, 3})), "eigh: needs a square matrix [n, n], got [2,3]",
                       Error);
  CHECK_THROWS_WITH_AS(linalg::eigh(zeros({2, 2}, kInt64)),
                       "eigh: needs float32 or float64, got int64", Error);
  Tensor a = zeros({2, 2}, kFloat64);
  a.data<double>()[2] = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_WITH_AS(linalg::eigh(a), "eigh: the matrix has a non-finite entry nan at [1, 0]",
                       Error);
  CHECK(linalg::eigh(zeros({0, 0})).eigenvalues.numel() == 0);
}

TEST_CASE("qr: a 2x2 by hand, and Q R = A with orthonormal Q on tall, wide and square shapes") {
  // A = [[3, 0], [4, 5]]: |a1| = 5, q1 = +-(0.6, 0.8), r12 = q1 . a2 = +-4, r22 = +-3.
  linalg::QrResult f = linalg::qr(tensor({{3.0, 0.0}, {4.0, 5.0}}));
  CHECK(f.q.dtype() == kFloat64);
  CHECK(std::abs(f.r.at(0)) == doctest::Approx(5.0));
  CHECK(std::abs(f.r.at(1)) == doctest::Approx(4.0));
  CHECK(f.r.at(2) == 0.0);
  CHECK(std::abs(f.r.at(3)) == doctest::Approx(3.0));
  CHECK(std::abs(f.q.at(0)) == doctest::Approx(0.6));
  Generator gen(12);
  for (auto [m, n] : {std::pair<std::int64_t, std::int64_t>{7, 3}, {3, 7}, {5, 5}, {1, 4}}) {
    CAPTURE(m);
    CAPTURE(n);
    const std::int64_t k = std::min(m, n);
    Tensor a = randn({m, n}, gen, kFloat64);
    linalg::QrResult d = linalg::qr(a);
    CHECK(d.q.shape() == Shape{m, k});
    CHECK(d.r.shape() == Shape{k, n});
    CHECK_TENSOR_CLOSE(matmul(d.q, d.r), a, 1e-12, 1e-12);
    CHECK_TENSOR_CLOSE(matmul(d.q, d.q, true, false), eye(k, -1, kFloat64), 1e-12, 1e-12);
    for (std::int64_t i = 0; i < k; ++i)
      for (std::int64_t j = 0; j < i; ++j) CHECK(d.r.data<double>()[i * n + j] == 0.0);
  }
}

TEST_CASE("qr: errors name the op and the values; empty matrices") {
  CHECK_THROWS_WITH_AS(linalg::qr(zeros({2, 3, 4})), "qr: needs a matrix [m, n], got [2,3,4]",
                       Error);
  CHECK_THROWS_WITH_AS(linalg::qr(zeros({2, 2}, kInt64)), "qr: needs float32 or float64, got int64",
                       Error);
  Tensor a = zeros({2, 2}, kFloat64);
  a.data<double>()[1] = std::numeric_limits<double>::infinity();
  CHECK_THROWS_WITH_AS(linalg::qr(a), "qr: the matrix has a non-finite entry inf at [0, 1]", Error);
  CHECK(linalg::qr(zeros({3, 0})).q.shape() == Shape{3, 0});
}

}  // namespace
}  // namespace minidl
