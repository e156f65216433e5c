#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric_proxy.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels_of(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("proxy_nca_loss: known values for each reduction") {
  // normalised: x0 = (1, 0), x1 = (0, 1); proxies (1, 0), (0, 1) (the second given as (0, 3)).
  // x0, label 0: d = (0, 2) -> log(1 + e^-2); x1, label 0: d = (2, 0) -> log(1 + e^2).
  const Variable x = leaf({1, 0, 0, 2}, {2, 2}), p = leaf({1, 0, 0, 3}, {2, 2});
  const Variable y = labels_of({0, 0});
  const double l0 = std::log1p(std::exp(-2.0)), l1 = std::log1p(std::exp(2.0));
  CHECK(proxy_nca_loss(x, y, p).item() == doctest::Approx((l0 + l1) / 2));
  CHECK(proxy_nca_loss(x, y, p, {.reduction = Reduction::Sum}).item() == doctest::Approx(l0 + l1));
  CHECK_TENSOR_CLOSE(proxy_nca_loss(x, y, p, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{l0, l1}));
  CHECK(proxy_nca_loss(x, y, p, {.softmax_scale = 2, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(std::log1p(std::exp(-4.0)) + std::log1p(std::exp(4.0))));
  // unnormalised: x1 = (0, 2), proxies (1, 0), (0, 3): d = (5, 1) -> log(1 + e^-4)
  CHECK(proxy_nca_loss(x, labels_of({0, 1}), p,
                       {.normalize_embeddings = false, .reduction = Reduction::None})
            .value()
            .at(1) == doctest::Approx(std::log1p(std::exp(-4.0))));
}

TEST_CASE("proxy_nca_loss: gradcheck for embeddings and proxies, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    for (bool normalize : {true, false}) {
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.0, 0.2, -0.5, 0.9}, {5, 2});
      const Variable p = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.3}, {3, 2});
      const Variable y = labels_of({2, 0, 2, 1, 0});
      const GradcheckResult g = gradcheck(
          [&](const auto& v) {
            return std::vector{proxy_nca_loss(
                v[0], y, v[1],
                {.softmax_scale = 3, .normalize_embeddings = normalize, .reduction = r})};
          },
          {x, p});
      CHECK_MESSAGE(g.ok, g.message);
    }
}

TEST_CASE("proxy_nca_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("proxy_nca_loss") >= 4);
}

TEST_CASE("proxy_nca_loss: one class gives exactly 0; extreme scales stay finite") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7}, {2, 2}), p = leaf({0.1, 0.5}, {1, 2});
  const Variable l = proxy_nca_loss(x, labels_of({0, 0}), p);
  CHECK(l.item() == 0.0);
  backward(l);
  for (double g : x.grad().value().to_vector()) CHECK(g == 0.0);
  for (double g : p.grad().value().to_vector()) CHECK(g == 0.0);
  const Variable x2 = leaf({1, 0, 0, 1}, {2, 2}), p2 = leaf({0, 1, 1, 0}, {2, 2});
  const Variable big = proxy_nca_loss(x2, labels_of({0, 1}), p2, {.softmax_scale = 1e4});
  backward(big);
  CHECK(big.item() == doctest::Approx(2e4));
  for (double g : x2.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("proxy_nca_loss: errors name the loss and the values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), p = leaf({0, 1, 1, 0}, {2, 2});
  CHECK_THROWS_WITH_AS(proxy_nca_loss(x, labels_of({0, 5}), p),
                       doctest::Contains("proxy_nca_loss: label 5 at position 1 is out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(proxy_nca_loss(x, labels_of({0, 1}), leaf({0, 1, 1}, {1, 3})),
                       doctest::Contains("proxy_nca_loss: proxies must be [C, 2]"), Error);
  CHECK_THROWS_WITH_AS(proxy_nca_loss(x, labels_of({0}), p),
                       doctest::Contains("proxy_nca_loss: labels must be [2], got [1]"), Error);
  CHECK_THROWS_WITH_AS(proxy_nca_loss(x, labels_of({0, 1}), p, {.softmax_scale = 0}),
                       doctest::Contains("proxy_nca_loss: softmax_scale must be > 0"), Error);
  CHECK_THROWS_WITH_AS(
      proxy_nca_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0}, kInt64)), p),
      doctest::Contains("proxy_nca_loss: embeddings is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
