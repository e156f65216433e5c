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

TEST_CASE("nt_xent_loss: known values by hand") {
  // z1 = (e1, e2), z2 = (e1, -e2) (lengths normalised away). Cosines of z = [e1, e2, e1, -e2]:
  //   anchor 0 (e1): positive 2 at 1, others 1 -> 0, 3 -> 0     l = log(e^1 + 2) - 1   (tau 1)
  //   anchor 1 (e2): positive 3 at -1, others 0 -> 0, 2 -> 0    l = log(e^-1 + 2) + 1
  // anchors 2, 3 mirror 0, 1.
  const Variable z1 = leaf({2, 0, 0, 1}, {2, 2});
  const Variable z2 = leaf({1, 0, 0, -3}, {2, 2});
  const double l0 = std::log(std::exp(1.0) + 2.0) - 1.0;
  const double l1 = std::log(std::exp(-1.0) + 2.0) + 1.0;
  CHECK_TENSOR_CLOSE(
      nt_xent_loss(z1, z2, {.temperature = 1.0, .reduction = Reduction::None}).value(),
      from_vector(std::vector<double>{l0, l1, l0, l1}));
  CHECK(nt_xent_loss(z1, z2, {.temperature = 1.0}).item() == doctest::Approx((l0 + l1) / 2));
  // tau 0.5 doubles every logit: anchor 0 is log(e^2 + 2) - 2.
  CHECK(nt_xent_loss(z1, z2, {.reduction = Reduction::None}).value().at(0) ==
        doctest::Approx(std::log(std::exp(2.0) + 2.0) - 2.0));
}

TEST_CASE("nt_xent_loss: gradcheck for z1 and z2, every reduction") {
  Generator gen(6);
  const Variable z1(randn({4, 3}, gen, kFloat64), true);
  const Variable z2(randn({4, 3}, gen, kFloat64), true);
  for (bool normalize : {true, false})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{
                nt_xent_loss(v[0], v[1], {.normalize_embeddings = normalize, .reduction = r})};
          },
          {z1, z2}));
}

TEST_CASE("nt_xent_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("nt_xent_loss") >= 8);
}

TEST_CASE("nt_xent_loss: one pair gives exactly 0; small tau stays finite") {
  const Variable z1 = leaf({1, 2, 3}, {1, 3});
  const Variable z2 = leaf({-1, 0, 5}, {1, 3});
  const Variable l = nt_xent_loss(z1, z2);
  CHECK(l.item() == 0.0);
  backward(l);
  for (double g : z1.grad().value().to_vector()) CHECK(g == 0.0);
  for (double g : z2.grad().value().to_vector()) CHECK(g == 0.0);

  const Variable a = leaf({1e4, 0, 0, 1e4}, {2, 2});
  const Variable b = leaf({0, 1e4, 1e4, 0}, {2, 2});
  const Variable h = nt_xent_loss(a, b, {.temperature = 1e-3});
  CHECK(std::isfinite(h.item()));
  CHECK(h.item() == doctest::Approx(1000.0));  // positive at cos 0, a negative at cos 1
  backward(h);
  for (double g : a.grad().value().to_vector()) CHECK(std::isfinite(g));
  for (double g : b.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("nt_xent_loss: errors name the loss") {
  const Variable z = leaf({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(nt_xent_loss(z, leaf({1, 2}, {1, 2})), doctest::Contains("nt_xent_loss:"),
                       Error);
  CHECK_THROWS_WITH_AS(nt_xent_loss(leaf({1, 2}, {2}), leaf({1, 2}, {2})),
                       doctest::Contains("nt_xent_loss: z1 must be [N, D], got [2]"), Error);
  CHECK_THROWS_WITH_AS(
      nt_xent_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0, 2}, kFloat64))),
      doctest::Contains("nt_xent_loss: z1 is empty"), Error);
  CHECK_THROWS_WITH_AS(nt_xent_loss(z, z, {.temperature = -1}),
                       doctest::Contains("nt_xent_loss: temperature must be > 0, got -1"), Error);
  CHECK_THROWS_WITH_AS(nt_xent_loss(z, z, {.reduction = Reduction::BatchMean}),
                       doctest::Contains("nt_xent_loss: reduction must be"), Error);
}

}  // namespace
}  // namespace minidl::losses
