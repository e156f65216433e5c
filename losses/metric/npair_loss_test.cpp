#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("npair_loss: known values by hand") {
  // a = (e1, e2), p = (2 e1, e2): f = [[2, 0], [0, 1]].
  //   l_0 = log(1 + e^(0 - 2)) + 0.25 lambda (1 + 4)    l_1 = log(1 + e^(0 - 1)) + 0.25 lambda 2
  const Variable a = leaf({1, 0, 0, 1}, {2, 2});
  const Variable p = leaf({2, 0, 0, 1}, {2, 2});
  const double l0 = std::log1p(std::exp(-2.0)), l1 = std::log1p(std::exp(-1.0));
  CHECK_TENSOR_CLOSE(npair_loss(a, p, {.l2_reg = 0.0, .reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{l0, l1}));
  CHECK(npair_loss(a, p).item() == doctest::Approx((l0 + l1) / 2 + 0.25 * 0.002 * 3.5));
  CHECK(npair_loss(a, p, {.l2_reg = 1.0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(l0 + l1 + 0.25 * 7));
}

TEST_CASE("npair_loss: gradcheck for anchor and positive, every reduction") {
  Generator gen(7);
  const Variable a(randn({5, 3}, gen, kFloat64), true);
  const Variable p(randn({5, 3}, gen, kFloat64), true);
  for (double l2_reg : {0.0, 0.002, 0.3})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{npair_loss(v[0], v[1], {.l2_reg = l2_reg, .reduction = r})};
          },
          {a, p}));
}

TEST_CASE("npair_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("npair_loss") >= 10);
}

TEST_CASE("npair_loss: one pair leaves only the penalty; huge dot products stay finite") {
  const Variable a = leaf({1, 2}, {1, 2});
  const Variable p = leaf({3, -1}, {1, 2});
  const Variable l = npair_loss(a, p, {.l2_reg = 0.0});
  CHECK(l.item() == 0.0);
  backward(l);
  for (double g : a.grad().value().to_vector()) CHECK(g == 0.0);
  for (double g : p.grad().value().to_vector()) CHECK(g == 0.0);

  const Variable big = leaf({1e4, 0, 0, 1e4}, {2, 2});
  const Variable swapped = leaf({0, 1e4, 1e4, 0}, {2, 2});
  const Variable h = npair_loss(big, swapped, {.l2_reg = 0.0});
  CHECK(h.item() == doctest::Approx(1e8));
  backward(h);
  for (double g : big.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("npair_loss: errors name the loss") {
  const Variable a = leaf({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(npair_loss(a, leaf({1, 2, 3}, {1, 3})), doctest::Contains("npair_loss:"),
                       Error);
  CHECK_THROWS_WITH_AS(npair_loss(leaf({1, 2}, {2}), leaf({1, 2}, {2})),
                       doctest::Contains("npair_loss: anchor must be [N, D], got [2]"), Error);
  CHECK_THROWS_WITH_AS(
      npair_loss(Variable(zeros({0, 3}, kFloat64)), Variable(zeros({0, 3}, kFloat64))),
      doctest::Contains("npair_loss: anchor is empty"), Error);
  CHECK_THROWS_WITH_AS(npair_loss(a, a, {.l2_reg = -0.1}),
                       doctest::Contains("npair_loss: l2_reg must be >= 0, got -0.1"), Error);
  CHECK_THROWS_WITH_AS(npair_loss(a, Variable(zeros({2, 2}, kInt64))),
                       doctest::Contains("npair_loss: positive must be float"), Error);
}

}  // namespace
}  // namespace minidl::losses
