#include <doctest/doctest.h>

#include <cmath>
#include <numbers>

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

double stirling(double y) { return y * std::log(y) - y + 0.5 * std::log(2 * std::numbers::pi * y); }

TEST_CASE("poisson_nll_loss: known values, log_input and rate inputs") {
  const Variable x = leaf({std::log(2.0), 0.0}, {2}), y = leaf({3.0, 1.0}, {2});
  // e^x - y x: (2 - 3 log 2 + 1 - 0) / 2
  CHECK(poisson_nll_loss(x, y).item() == doctest::Approx((3 - 3 * std::log(2.0)) / 2));
  const Variable rate = leaf({2.0, 0.5}, {2});
  // x - y log(x + eps), summed
  CHECK(poisson_nll_loss(rate, y, {.log_input = false, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(2 - 3 * std::log(2 + 1e-8) + 0.5 - std::log(0.5 + 1e-8)));
}

TEST_CASE("poisson_nll_loss: the Stirling term is added only where target > 1") {
  const Variable x = leaf({0.1, 0.2, 0.3, 0.4}, {4}), y = leaf({0.0, 0.5, 1.0, 2.0}, {4});
  const Tensor base = poisson_nll_loss(x, y, {.reduction = Reduction::None}).value();
  const Tensor full = poisson_nll_loss(x, y, {.full = true, .reduction = Reduction::None}).value();
  for (int i = 0; i < 3; ++i) CHECK(full.at(i) == base.at(i));
  CHECK(full.at(3) - base.at(3) == doctest::Approx(stirling(2.0)));
}

TEST_CASE("poisson_nll_loss: gradcheck for input and target, every reduction and option") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    for (bool log_input : {true, false}) {
      for (bool full : {false, true}) {
        const Variable x = log_input ? leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3})
                                     : leaf({0.3, 1.2, 2.0, 0.7, 0.1, 4.0}, {2, 3});
        const Variable y = leaf({0.5, 2.5, 3.0, 0.2, 6.0, 1.7}, {2, 3});  // none at 0 or 1
        CHECK(gradcheck(
            [=](const auto& v) {
              return std::vector{poisson_nll_loss(
                  v[0], v[1], {.log_input = log_input, .full = full, .reduction = r})};
            },
            {x, y}));
      }
    }
  }
}

TEST_CASE("poisson_nll_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("poisson_nll_loss") >= 15);
}

TEST_CASE("poisson_nll_loss: edge cases") {
  // A log-rate of -1e4 is a rate of 0: finite loss y * 1e4 and gradient e^x - y = -y.
  const Variable x = leaf({-1e4, -1e4}, {2}), y = leaf({0.0, 3.0}, {2});
  const Variable l = poisson_nll_loss(x, y, {.reduction = Reduction::Sum});
  CHECK(l.item() == doctest::Approx(3e4));
  backward(l);
  CHECK(x.grad().value().at(1) == doctest::Approx(-3.0));
  // A zero rate stays finite through eps.
  const Variable rate = leaf({0.0}, {1}), count = leaf({2.0}, {1});
  CHECK(poisson_nll_loss(rate, count, {.log_input = false}).item() ==
        doctest::Approx(-2 * std::log(1e-8)));
  // full with target 0: the loss is finite; d/dtarget is NaN there, as PyTorch 1.13.
  const Variable x2 = leaf({0.5}, {1}), y0 = leaf({0.0}, {1});
  const Variable l2 = poisson_nll_loss(x2, y0, {.full = true});
  CHECK(l2.item() == doctest::Approx(std::exp(0.5)));
  backward(l2);
  CHECK(x2.grad().value().at(0) == doctest::Approx(std::exp(0.5)));
  CHECK(std::isnan(y0.grad().value().at(0)));
}

TEST_CASE("poisson_nll_loss: errors name the op and the shapes") {
  const Variable x = leaf({1, 2, 3}, {3}), y = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(poisson_nll_loss(x, y),
                       doctest::Contains("poisson_nll_loss: input [3] and target [2]"), Error);
  CHECK_THROWS_WITH_AS(poisson_nll_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("poisson_nll_loss: input is empty"), Error);
  CHECK_THROWS_WITH_AS(poisson_nll_loss(Variable(zeros({2})), Variable(zeros({2}, kInt64))),
                       doctest::Contains("poisson_nll_loss: target must be float32 or float64"),
                       Error);
  CHECK_THROWS_WITH_AS(
      poisson_nll_loss(x, leaf({1, 2, 3}, {3}), {.reduction = Reduction::BatchMean}),
      doctest::Contains("poisson_nll_loss: reduction 'batchmean'"), Error);
}

}  // namespace
}  // namespace minidl::losses
