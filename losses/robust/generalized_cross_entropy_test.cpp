#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "losses/robust.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("generalized_cross_entropy: known values by hand") {
  // Equal logits over 2 classes: p_y = 1/2.
  const Variable x = leaf({0, 0, 0, 0}, {2, 2});
  const Variable y = labels({0, 1});
  // q = 0.5: (1 - sqrt(1/2)) / 0.5 = 2 - sqrt 2.
  CHECK(generalized_cross_entropy(x, y, {.q = 0.5}).item() == doctest::Approx(2 - std::sqrt(2.0)));
  // q = 1: 1 - p_y = 1/2 per sample (MAE / 2); sum over two samples = 1.
  CHECK(generalized_cross_entropy(x, y, {.q = 1.0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(1.0));
  // q -> 0 tends to cross entropy, -log(1/2).
  CHECK(generalized_cross_entropy(x, y, {.q = 1e-7}).item() ==
        doctest::Approx(std::log(2.0)).epsilon(1e-6));
  // Default q = 0.7 on logits [ln 3, 0]: p_0 = 3/4.
  const Variable z = leaf({std::log(3.0), 0}, {1, 2});
  CHECK(generalized_cross_entropy(z, labels({0})).item() ==
        doctest::Approx((1 - std::pow(0.75, 0.7)) / 0.7));
}

TEST_CASE("generalized_cross_entropy: gradcheck for input, every reduction and q") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    for (double q : {0.2, 0.7, 1.0}) {
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5, 0.2, -0.9}, {3, 3});
      const Variable y = labels({2, 0, 1});
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{generalized_cross_entropy(v[0], y, {.q = q, .reduction = r})};
          },
          {x}));
    }
  }
}

TEST_CASE("generalized_cross_entropy: gradient is cross entropy's weighted by p_y^q") {
  const Variable x = leaf({0.5, -1.0, 2.0}, {1, 3});
  backward(generalized_cross_entropy(x, labels({0}), {.q = 0.7}));
  const Tensor p = softmax(x.value(), 1);
  const double py = p.data<double>()[0], w = std::pow(py, 0.7);
  CHECK_TENSOR_CLOSE(x.grad().value(),
                     from_vector(std::vector<double>{w * (py - 1), w * p.data<double>()[1],
                                                     w * p.data<double>()[2]},
                                 {1, 3}));
}

TEST_CASE("generalized_cross_entropy: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("generalized_cross_entropy") >= 10);
}

TEST_CASE("generalized_cross_entropy: ignore_index drops samples from loss, mean and gradient") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
  const Variable out =
      generalized_cross_entropy(x, labels({-100, 1}), {.reduction = Reduction::None});
  CHECK(out.value().data<double>()[0] == 0.0);
  const Variable mean = generalized_cross_entropy(x, labels({-100, 1}));
  CHECK(mean.item() == doctest::Approx(out.value().data<double>()[1]));
  backward(mean);
  for (int k = 0; k < 3; ++k) CHECK(x.grad().value().data<double>()[k] == 0.0);
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(x, labels({-100, -100})),
                       doctest::Contains("every target equals ignore_index"), Error);
  CHECK(generalized_cross_entropy(x, labels({-100, -100}), {.reduction = Reduction::Sum}).item() ==
        0.0);
}

TEST_CASE("generalized_cross_entropy: logits of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3});
  const Variable loss = generalized_cross_entropy(x, labels({1, 1}), {.reduction = Reduction::Sum});
  CHECK(loss.item() == doctest::Approx(1 / 0.7));  // sample 0: p_y = 0, loss 1/q; sample 1: 0
  backward(loss);
  for (int k = 0; k < 6; ++k) CHECK(std::isfinite(x.grad().value().data<double>()[k]));
}

TEST_CASE("generalized_cross_entropy: errors name the loss and the values") {
  const Variable x = leaf({0, 0, 0, 0}, {2, 2});
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(x, labels({0, 1}), {.q = 0.0}),
                       doctest::Contains("generalized_cross_entropy: q must be in (0, 1], got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(x, labels({0, 1}), {.q = 1.5}),
                       doctest::Contains("q must be in (0, 1]"), Error);
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(x, labels({0, 2})),
                       doctest::Contains("generalized_cross_entropy: label 2 at position 1"),
                       Error);
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(x, labels({0})),
                       doctest::Contains("generalized_cross_entropy: target [1] must be [N] = [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(leaf({0, 0}, {2}), labels({0, 1})),
                       doctest::Contains("input must be logits [N, C], got [2]"), Error);
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(Variable(zeros({0, 3}, kFloat64)), labels({})),
                       doctest::Contains("generalized_cross_entropy: input is empty"), Error);
  CHECK_THROWS_WITH_AS(generalized_cross_entropy(x, Variable(zeros({2}))),
                       doctest::Contains("target must be int64"), Error);
  CHECK_THROWS_WITH_AS(
      generalized_cross_entropy(x, labels({0, 1}), {.reduction = Reduction::BatchMean}),
      doctest::Contains("generalized_cross_entropy: reduction must be"), Error);
}

}  // namespace
}  // namespace minidl::losses
