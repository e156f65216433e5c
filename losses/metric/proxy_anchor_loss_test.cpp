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

TEST_CASE("proxy_anchor_loss: known values for each reduction") {
  // one sample (2, 0) of class 0; proxies (1, 0), (0, 5): s = (1, 0).
  // alpha 1, delta 0: pos_0 = log(1 + e^-1), pos_1 = 0 (class absent); neg_0 = 0 (no negative),
  // neg_1 = log(1 + e^0) = log 2.  mean: pos / |P+| (= 1) + neg / |P| (= 2).
  const Variable x = leaf({2, 0}, {1, 2}), p = leaf({1, 0, 0, 5}, {2, 2});
  const Variable y = labels_of({0});
  const double pos0 = std::log1p(std::exp(-1.0)), neg1 = std::log(2.0);
  CHECK(proxy_anchor_loss(x, y, p, {.alpha = 1, .delta = 0}).item() ==
        doctest::Approx(pos0 + neg1 / 2));
  CHECK(proxy_anchor_loss(x, y, p, {.alpha = 1, .delta = 0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(pos0 + neg1));
  CHECK_TENSOR_CLOSE(
      proxy_anchor_loss(x, y, p, {.alpha = 1, .delta = 0, .reduction = Reduction::None}).value(),
      from_vector(std::vector<double>{pos0, neg1}));
  // the paper's alpha 32, delta 0.1
  CHECK(proxy_anchor_loss(x, y, p).item() ==
        doctest::Approx(std::log1p(std::exp(-32 * 0.9)) + std::log1p(std::exp(3.2)) / 2));
}

TEST_CASE("proxy_anchor_loss: gradcheck for embeddings and proxies, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.0, 0.2, -0.5, 0.9}, {5, 2});
    const Variable p = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.3, 0.4, -0.7}, {4, 2});
    const Variable y = labels_of({2, 0, 2, 1, 0});  // class 3 absent
    const GradcheckResult g = gradcheck(
        [&](const auto& v) {
          return std::vector{proxy_anchor_loss(v[0], y, v[1], {.alpha = 4, .reduction = r})};
        },
        {x, p});
    CHECK_MESSAGE(g.ok, g.message);
  }
}

TEST_CASE("proxy_anchor_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("proxy_anchor_loss") >= 4);
}

TEST_CASE("proxy_anchor_loss: absent classes and missing negatives give exact zeros") {
  // every sample of class 0, one proxy: no negatives at all, so neg = 0 exactly; far from the
  // proxy's class, pos stays finite. Large alpha and large inputs stay finite.
  const Variable x = leaf({1e4, -1e4, 3e3, 1e4}, {2, 2}), p = leaf({1, 0, 0, 1}, {2, 2});
  const Variable none =
      proxy_anchor_loss(x, labels_of({0, 0}), p, {.alpha = 100, .reduction = Reduction::None});
  CHECK(std::isfinite(none.value().at(0)));
  const Variable l = proxy_anchor_loss(x, labels_of({0, 0}), p, {.alpha = 100});
  backward(l);
  CHECK(std::isfinite(l.item()));
  for (double g : x.grad().value().to_vector()) CHECK(std::isfinite(g));
  // a proxy of an absent class, with no sample close to it: its pos term is exactly 0
  const Variable q = leaf({1, 0, 0, 1}, {2, 2}), e = leaf({1, 0}, {1, 2});
  const Variable per = proxy_anchor_loss(e, labels_of({0}), q,
                                         {.alpha = 1, .delta = 0, .reduction = Reduction::None});
  CHECK(per.value().at(1) == doctest::Approx(std::log(2.0)));  // neg only
}

TEST_CASE("proxy_anchor_loss: errors name the loss and the values") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2}), p = leaf({0, 1, 1, 0}, {2, 2});
  CHECK_THROWS_WITH_AS(
      proxy_anchor_loss(x, labels_of({0, 2}), p),
      doctest::Contains("proxy_anchor_loss: label 2 at position 1 is out of range"), Error);
  CHECK_THROWS_WITH_AS(proxy_anchor_loss(x, labels_of({0, 1}), leaf({0, 1, 1}, {1, 3})),
                       doctest::Contains("proxy_anchor_loss: proxies must be [C, 2]"), Error);
  CHECK_THROWS_WITH_AS(proxy_anchor_loss(x, labels_of({0, 1}), p, {.alpha = 0}),
                       doctest::Contains("proxy_anchor_loss: alpha must be > 0"), Error);
  CHECK_THROWS_WITH_AS(
      proxy_anchor_loss(Variable(zeros({0, 2}, kFloat64)), Variable(zeros({0}, kInt64)), p),
      doctest::Contains("proxy_anchor_loss: embeddings is empty"), Error);
  CHECK_THROWS_WITH_AS(proxy_anchor_loss(x, Variable(zeros({2}, kFloat64)), p),
                       doctest::Contains("proxy_anchor_loss: labels must be int64"), Error);
}

}  // namespace
}  // namespace minidl::losses
