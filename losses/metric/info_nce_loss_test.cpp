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

TEST_CASE("info_nce_loss: known values by hand") {
  // Unit rows q = (e1, e2), k = (e1, e2): cosines are the identity matrix. With tau = 1 each row
  // is softmax(1, 0): l = log(e + 1) - 1 per query.
  const Variable q = leaf({1, 0, 0, 2}, {2, 2});  // the 2 is normalised away
  const Variable k = leaf({3, 0, 0, 1}, {2, 2});
  const double l = std::log(std::exp(1.0) + 1.0) - 1.0;
  CHECK(info_nce_loss(q, k, {.temperature = 1.0}).item() == doctest::Approx(l));
  CHECK(info_nce_loss(q, k, {.temperature = 1.0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(2 * l));
  // Dot product, tau 0.5: row 0 logits (3, 0) / 0.5 = (6, 0); row 1 (0, 2) / 0.5 = (0, 4).
  const Variable none = info_nce_loss(
      q, k, {.temperature = 0.5, .normalize_embeddings = false, .reduction = Reduction::None});
  CHECK_TENSOR_CLOSE(none.value(), from_vector(std::vector<double>{std::log1p(std::exp(-6.0)),
                                                                   std::log1p(std::exp(-4.0))}));
}

TEST_CASE("info_nce_loss: gradcheck for query and key, every reduction") {
  Generator gen(5);
  const Variable q(randn({5, 3}, gen, kFloat64), true);
  const Variable k(randn({5, 3}, gen, kFloat64), true);
  for (bool normalize : {true, false})
    for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{info_nce_loss(
                v[0], v[1],
                {.temperature = 0.3, .normalize_embeddings = normalize, .reduction = r})};
          },
          {q, k}));
}

TEST_CASE("info_nce_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("info_nce_loss") >= 8);
}

TEST_CASE("info_nce_loss: one pair gives exactly 0; huge logits stay finite") {
  const Variable q = leaf({1, 2, 3}, {1, 3});
  const Variable k = leaf({-1, 0, 5}, {1, 3});
  const Variable l = info_nce_loss(q, k);
  CHECK(l.item() == 0.0);
  backward(l);
  for (double g : q.grad().value().to_vector()) CHECK(g == 0.0);
  for (double g : k.grad().value().to_vector()) CHECK(g == 0.0);

  const Variable big = leaf({1e4, 0, 0, 1e4}, {2, 2});
  const Variable far = leaf({0, 1e4, 1e4, 0}, {2, 2});
  const Variable h = info_nce_loss(big, far, {.temperature = 0.01, .normalize_embeddings = false});
  CHECK(std::isfinite(h.item()));
  CHECK(h.item() == doctest::Approx(1e10));
  backward(h);
  for (double g : big.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("info_nce_loss: errors name the loss") {
  const Variable q = leaf({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(info_nce_loss(q, leaf({1, 2}, {1, 2})), doctest::Contains("info_nce_loss:"),
                       Error);
  CHECK_THROWS_WITH_AS(info_nce_loss(leaf({1, 2}, {2}), leaf({1, 2}, {2})),
                       doctest::Contains("info_nce_loss: query must be [N, D], got [2]"), Error);
  CHECK_THROWS_WITH_AS(
      info_nce_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0, 2}, kFloat64))),
      doctest::Contains("info_nce_loss: query is empty"), Error);
  CHECK_THROWS_WITH_AS(info_nce_loss(q, q, {.temperature = 0}),
                       doctest::Contains("info_nce_loss: temperature must be > 0, got 0"), Error);
  CHECK_THROWS_WITH_AS(info_nce_loss(q, Variable(zeros({2, 2}, kInt64))),
                       doctest::Contains("info_nce_loss: key must be float"), Error);
}

}  // namespace
}  // namespace minidl::losses
