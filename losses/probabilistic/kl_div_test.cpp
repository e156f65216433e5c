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

TEST_CASE("kl_div: known value, batchmean is the true KL and mean divides by C too") {
  // KL([0.25, 0.75] || [0.5, 0.5]) = 0.25 log 0.5 + 0.75 log 1.5, twice (two rows).
  const double kl = 0.25 * std::log(0.5) + 0.75 * std::log(1.5);
  const Variable x =
      Variable(from_vector(std::vector<double>{0.5, 0.5, 0.5, 0.5}, {2, 2})).detach();
  const Variable logq = log(x), p = leaf({0.25, 0.75, 0.25, 0.75}, {2, 2});
  CHECK(kl_div(logq, p, {.reduction = Reduction::BatchMean}).item() == doctest::Approx(kl));
  CHECK(kl_div(logq, p, {.reduction = Reduction::Sum}).item() == doctest::Approx(2 * kl));
  CHECK(kl_div(logq, p).item() == doctest::Approx(kl / 2));  // 'mean': / (N C)
  CHECK(kl_div(logq, log(p), {.reduction = Reduction::BatchMean, .log_target = true}).item() ==
        doctest::Approx(kl));
  CHECK(kl_div(logq, p, {.reduction = Reduction::None}).shape() == Shape{2, 2});
}

TEST_CASE("kl_div: gradcheck for input and target, every reduction and log_target") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None, Reduction::BatchMean}) {
    for (bool log_target : {false, true}) {
      const Variable x = leaf({-1.2, -0.4, -2.0, -0.7, -1.1, -3.0}, {2, 3});
      const Variable t = log_target ? leaf({-0.5, -1.5, -2.2, -0.1, -3.0, -1.0}, {2, 3})
                                    : leaf({0.2, 0.5, 0.3, 0.6, 0.1, 0.3}, {2, 3});
      CHECK(gradcheck(
          [r, log_target](const auto& v) {
            return std::vector{kl_div(v[0], v[1], {.reduction = r, .log_target = log_target})};
          },
          {x, t}));
    }
  }
}

TEST_CASE("kl_div: matches PyTorch") { CHECK(testing::check_loss_fixtures("kl_div") >= 16); }

TEST_CASE("kl_div: target 0 contributes 0; its input gradient is -0, its target gradient NaN") {
  const Variable x = leaf({-1.0, -0.5}, {2}), p = leaf({0.0, 0.4}, {2});
  const Variable l = kl_div(x, p, {.reduction = Reduction::None});
  CHECK(l.value().at(0) == 0.0);
  backward(sum(l));
  CHECK(x.grad().value().at(0) == 0.0);
  CHECK(x.grad().value().at(1) == doctest::Approx(-0.4));
  CHECK(std::isnan(p.grad().value().at(0)));  // PyTorch 1.13's xlogy backward: 0 / 0
  CHECK(p.grad().value().at(1) == doctest::Approx(std::log(0.4) + 1 + 0.5));
}

TEST_CASE("kl_div: logits of +-1e4 give a finite loss and finite gradient") {
  const Variable z = leaf({1e4, -1e4, 0.0, -1e4, 1e4, 1e4}, {2, 3});
  const Variable teacher =
      softmax(Variable(from_vector(std::vector<double>{2, -3, 0, 1e4, 0, -1e4}, {2, 3})), 1);
  const Variable l = kl_div(log_softmax(z, 1), teacher, {.reduction = Reduction::BatchMean});
  CHECK(std::isfinite(l.item()));
  backward(l);
  for (double g : z.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("kl_div: a 0-d input with batchmean is summed, as PyTorch") {
  const Variable x = Variable(scalar_tensor(-0.7, kFloat64)),
                 p = Variable(scalar_tensor(0.3, kFloat64));
  CHECK(kl_div(x, p, {.reduction = Reduction::BatchMean}).item() ==
        doctest::Approx(0.3 * (std::log(0.3) + 0.7)));
}

TEST_CASE("kl_div: errors name the op and the shapes") {
  const Variable x = leaf({-1, -2, -3}, {3}), p = leaf({0.5, 0.5}, {2});
  CHECK_THROWS_WITH_AS(kl_div(x, p), doctest::Contains("kl_div: input [3] and target [2]"), Error);
  CHECK_THROWS_WITH_AS(kl_div(Variable(zeros({0, 3})), Variable(zeros({0, 3}))),
                       doctest::Contains("kl_div: input is empty"), Error);
  CHECK_THROWS_WITH_AS(kl_div(Variable(zeros({2}, kInt64)), Variable(zeros({2}))),
                       doctest::Contains("kl_div: input must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
