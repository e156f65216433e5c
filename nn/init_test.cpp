// Initialisers: gains and fans by their formulas, the sample statistics of each distribution,
// reproducibility from a seed.
#include "nn/init.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tensor/lapack.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn::init {
namespace {

TEST_CASE("init: gains and fans follow PyTorch") {
  CHECK(calculate_gain(Nonlinearity::kLinear) == 1.0);
  CHECK(calculate_gain(Nonlinearity::kTanh) == doctest::Approx(5.0 / 3.0));
  CHECK(calculate_gain(Nonlinearity::kRelu) == doctest::Approx(std::sqrt(2.0)));
  CHECK(calculate_gain(Nonlinearity::kLeakyRelu, std::sqrt(5.0)) ==
        doctest::Approx(std::sqrt(1.0 / 3.0)));
  CHECK(calculate_gain(Nonlinearity::kSelu) == 0.75);
  auto [fi, fo] = calculate_fan_in_and_fan_out(empty({16, 3, 5, 5}));
  CHECK(fi == 75);
  CHECK(fo == 400);
  CHECK_THROWS_WITH_AS(calculate_fan_in_and_fan_out(empty({5})),
                       doctest::Contains("2 or more dims"), Error);
}

TEST_CASE("init: uniform bounds and normal standard deviations") {
  Generator gen(1);
  Tensor w = empty({400, 300});
  kaiming_uniform_(w, gen, 0.0, FanMode::kFanIn, Nonlinearity::kRelu);
  double bound = std::sqrt(2.0) * std::sqrt(3.0 / 300.0);
  CHECK(amax(abs(w)).item() <= bound);
  CHECK(amax(abs(w)).item() > 0.99 * bound);
  kaiming_normal_(w, gen, 0.0, FanMode::kFanOut, Nonlinearity::kRelu);
  CHECK(minidl::std(w).item() == doctest::Approx(std::sqrt(2.0 / 400.0)).epsilon(0.02));
  xavier_uniform_(w, gen, 2.0);
  CHECK(amax(abs(w)).item() <= 2.0 * std::sqrt(6.0 / 700.0));
  CHECK(amax(abs(w)).item() > 0.99 * 2.0 * std::sqrt(6.0 / 700.0));
  xavier_normal_(w, gen);
  CHECK(minidl::std(w).item() == doctest::Approx(std::sqrt(2.0 / 700.0)).epsilon(0.02));
  normal_(w, gen, 3.0, 0.5);
  CHECK(mean(w).item() == doctest::Approx(3.0).epsilon(0.01));
  uniform_(w, gen, -1.0, 2.0);
  CHECK(amin(w).item() >= -1.0);
  CHECK(amax(w).item() < 2.0);
  ones_(w);
  CHECK(amin(w).item() == 1.0);
  zeros_(w);
  CHECK(amax(abs(w)).item() == 0.0);
}

TEST_CASE("init: same seed, same values; the dtype is kept; int64 is refused") {
  Generator a(9), b(9);
  Tensor x = empty({3, 4}, kFloat64), y = empty({3, 4}, kFloat64);
  xavier_uniform_(x, a);
  xavier_uniform_(y, b);
  CHECK(testing::bitwise_equal(x, y));
  CHECK(x.dtype() == kFloat64);
  Tensor i = empty({2, 2}, kInt64);
  CHECK_THROWS_WITH_AS(normal_(i, a), doctest::Contains("needs a floating tensor"), Error);
}

nlohmann::json linalg_fixtures() {
  std::ifstream file(std::string(MINIDL_FIXTURE_DIR) + "/linalg.json");
  REQUIRE_MESSAGE(file.good(), "missing tests/fixtures/linalg.json");
  return nlohmann::json::parse(file);
}

Tensor decode(const nlohmann::json& j) {
  return from_vector(j.at("data").get<std::vector<double>>(), j.at("shape").get<Shape>());
}

// The leading `cols` columns of a row-major [m, n] matrix, as [m, cols].
Tensor leading_columns(const Tensor& t, std::int64_t cols) {
  const std::int64_t m = t.shape()[0], n = t.shape()[1];
  std::vector<double> out;
  const std::vector<double> v = t.to_vector();
  for (std::int64_t i = 0; i < m; ++i)
    for (std::int64_t j = 0; j < cols; ++j) out.push_back(v[static_cast<std::size_t>(i * n + j)]);
  return from_vector(out, {m, cols});
}

TEST_CASE("qr: Q and R match torch.linalg.qr (tall, wide, square, rank-deficient)") {
  // Both call LAPACK's dgeqrf and dorgqr, so even the signs agree. For a rank-deficient matrix
  // ("rank r of ...") only the first r columns of Q and rows of R are determined by A: the rest
  // span a null space chosen by round-off, which differs between BLAS kernels (OPENBLAS_CORETYPE).
  // There Q R = A and Q's orthonormal columns are checked instead, and the first r columns/rows
  // against PyTorch.
  const nlohmann::json cases = linalg_fixtures().at("qr");
  REQUIRE(cases.size() >= 5);
  for (const nlohmann::json& c : cases) {
    const std::string name = c.at("name").get<std::string>();
    CAPTURE(name);
    const Tensor a = decode(c.at("a"));
    linalg::QrResult f = linalg::qr(a);
    int rank = 0;
    if (std::sscanf(name.c_str(), "rank %d", &rank) != 1) {
      CHECK_TENSOR_CLOSE(f.q, decode(c.at("q")), 1e-12, 1e-12);
      CHECK_TENSOR_CLOSE(f.r, decode(c.at("r")), 1e-12, 1e-12);
      continue;
    }
    CHECK_TENSOR_CLOSE(leading_columns(f.q, rank), leading_columns(decode(c.at("q")), rank), 1e-12,
                       1e-12);
    const Tensor rt = transpose(f.r, 0, 1), ref_rt = transpose(decode(c.at("r")), 0, 1);
    CHECK_TENSOR_CLOSE(leading_columns(rt, rank), leading_columns(ref_rt, rank), 1e-12, 1e-12);
    CHECK_TENSOR_CLOSE(matmul(f.q, f.r), a, 1e-12, 1e-12);
    const std::int64_t k = f.q.shape()[1];
    CHECK_TENSOR_CLOSE(matmul(f.q, f.q, /*trans_a=*/true), eye(k, k, kFloat64), 1e-12, 1e-12);
  }
}

TEST_CASE("init: orthogonal_ matches torch.nn.init.orthogonal_ on PyTorch's own normal draw") {
  const nlohmann::json cases = linalg_fixtures().at("orthogonal");
  REQUIRE(cases.size() >= 4);
  for (const nlohmann::json& c : cases) {
    CAPTURE(c.at("name").get<std::string>());
    CHECK_TENSOR_CLOSE(detail::orthogonal_from_normal(decode(c.at("normal")), c.at("gain")),
                       decode(c.at("weight")), 1e-12, 1e-12);
  }
}

TEST_CASE("init: orthogonal_ gives gain-scaled orthonormal rows or columns, from the seed") {
  Generator gen(4);
  for (auto [rows, cols] : {std::pair<std::int64_t, std::int64_t>{64, 4}, {2, 64}, {8, 8}}) {
    CAPTURE(rows);
    CAPTURE(cols);
    Tensor w = empty({rows, cols}, kFloat64);
    orthogonal_(w, gen, 2.0);
    const std::int64_t k = std::min(rows, cols);
    // W^T W = 4 I (tall) or W W^T = 4 I (wide).
    const Tensor gram = rows >= cols ? matmul(w, w, true, false) : matmul(w, w, false, true);
    CHECK_TENSOR_CLOSE(gram, mul(eye(k, -1, kFloat64), 4.0), 1e-12, 1e-12);
  }
  Generator a(5), b(5);
  Tensor x = empty({16, 3, 2, 2}), y = empty({16, 3, 2, 2});
  orthogonal_(x, a, std::sqrt(2.0));
  orthogonal_(y, b, std::sqrt(2.0));
  CHECK(testing::bitwise_equal(x, y));
  CHECK(x.dtype() == kFloat32);
  // A [16, 12] view: orthonormal columns times sqrt 2.
  CHECK_TENSOR_CLOSE(
      matmul(x.reshape({16, 12}).to(kFloat64), x.reshape({16, 12}).to(kFloat64), true, false),
      mul(eye(12, -1, kFloat64), 2.0), 1e-5, 1e-5);
  Tensor v = empty({5});
  CHECK_THROWS_WITH_AS(orthogonal_(v, a),
                       "init::orthogonal_: needs a tensor with 2 or more dims, got [5]", Error);
}

}  // namespace
}  // namespace minidl::nn::init
