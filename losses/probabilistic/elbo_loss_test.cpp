#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/probabilistic.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("elbo_loss: known values") {
  const Variable x = leaf({0.0, std::log(3.0)}, {1, 2}), kl = leaf({10.0}, {});
  // CE = -log(1 / 4) = log 4; the KL spread over 100 samples, halved.
  const double ce = std::log(4.0);
  CHECK(elbo_loss(x, labels({0}), kl, {.kl_weight = 0.5, .dataset_size = 100}).item() ==
        doctest::Approx(ce + 0.05));
  CHECK(elbo_loss(x, labels({0}), kl).item() == doctest::Approx(ce + 10.0));
  // sum over N samples carries N shares of the KL.
  const Variable x2 = leaf({0.0, std::log(3.0), 0.0, 0.0}, {2, 2});
  CHECK(
      elbo_loss(x2, labels({0, 1}), kl, {.dataset_size = 10, .reduction = Reduction::Sum}).item() ==
      doctest::Approx(ce + std::log(2.0) + 2.0));
}

TEST_CASE("elbo_loss: gradcheck for input and kl, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3}), kl = leaf({4.2}, {});
    CHECK(gradcheck(
        [r](const auto& v) {
          return std::vector{elbo_loss(v[0], labels({2, 0}), v[1],
                                       {.kl_weight = 0.7, .dataset_size = 3, .reduction = r})};
        },
        {x, kl}));
  }
}

TEST_CASE("elbo_loss: matches the formula in torch ops") {
  CHECK(testing::check_loss_fixtures("elbo_loss") >= 6);
}

TEST_CASE("elbo_loss: kl_weight 0 is cross-entropy; the gradient of the KL is beta / M") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3}), kl = leaf({4.2}, {});
  const Variable l = elbo_loss(x, labels({2, 0}), kl, {.kl_weight = 0.25, .dataset_size = 50});
  backward(l);
  CHECK(kl.grad().item() == doctest::Approx(0.25 / 50));
}

TEST_CASE("elbo_loss: errors name the op and the values") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7}, {2, 2}), kl = leaf({1.0}, {});
  CHECK_THROWS_WITH_AS(elbo_loss(x, labels({0, 1}), leaf({1, 2}, {2})),
                       doctest::Contains("elbo_loss: kl must be 0-d (the summed KL), got [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(elbo_loss(x, labels({0, 1}), kl, {.dataset_size = 0}),
                       doctest::Contains("elbo_loss: dataset_size must be finite and > 0, got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(elbo_loss(x, labels({0, 1}), kl, {.kl_weight = -1}),
                       doctest::Contains("elbo_loss: kl_weight must be finite and >= 0"), Error);
  CHECK_THROWS_WITH_AS(elbo_loss(x, labels({0, 2}), kl), doctest::Contains("elbo_loss"), Error);
  CHECK_THROWS_WITH_AS(elbo_loss(x, labels({0}), kl),
                       doctest::Contains("elbo_loss: target [1] must be [2]"), Error);
}

}  // namespace
}  // namespace minidl::losses
