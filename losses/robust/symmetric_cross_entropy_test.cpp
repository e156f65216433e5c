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

TEST_CASE("symmetric_cross_entropy: known values by hand") {
  // Equal logits over 2 classes: p_y = 1/2, CE = ln 2, RCE = -A (1 - 1/2) = 2 for A = -4.
  const Variable x = leaf({0, 0, 0, 0}, {2, 2});
  const Variable y = labels({0, 1});
  CHECK(symmetric_cross_entropy(x, y).item() == doctest::Approx(0.1 * std::log(2.0) + 2.0));
  // alpha = 1, beta = 0 is cross entropy; alpha = 0, beta = 1, A = log 1e-4 is the authors' RCE.
  CHECK(symmetric_cross_entropy(x, y, {.alpha = 1.0, .beta = 0.0}).item() ==
        doctest::Approx(std::log(2.0)));
  CHECK(symmetric_cross_entropy(x, y, {.alpha = 0.0, .beta = 1.0, .log_zero = std::log(1e-4)})
            .item() == doctest::Approx(-std::log(1e-4) * 0.5));
  // Three classes, logits [ln 2, 0, 0]: p = [1/2, 1/4, 1/4]; label 1: CE = ln 4, RCE = 4 * 3/4.
  const Variable z = leaf({std::log(2.0), 0, 0}, {1, 3});
  CHECK(symmetric_cross_entropy(z, labels({1}), {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(0.1 * std::log(4.0) + 3.0));
}

TEST_CASE("symmetric_cross_entropy: gradcheck for input, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5, 0.2, -0.9}, {3, 3});
    const Variable y = labels({2, 0, 1});
    CHECK(gradcheck(
        [&](const auto& v) {
          return std::vector{symmetric_cross_entropy(
              v[0], y, {.alpha = 0.5, .beta = 1.0, .log_zero = -4.0, .reduction = r})};
        },
        {x}));
  }
}

TEST_CASE("symmetric_cross_entropy: gradient is (alpha - beta A p_y)(p - e_y)") {
  const Variable x = leaf({0.5, -1.0, 2.0}, {1, 3});
  backward(symmetric_cross_entropy(x, labels({0}), {.alpha = 0.3, .beta = 2.0, .log_zero = -4.0}));
  const Tensor p = softmax(x.value(), 1);
  const double py = p.data<double>()[0], w = 0.3 + 2.0 * 4.0 * py;
  CHECK_TENSOR_CLOSE(x.grad().value(),
                     from_vector(std::vector<double>{w * (py - 1), w * p.data<double>()[1],
                                                     w * p.data<double>()[2]},
                                 {1, 3}));
}

TEST_CASE("symmetric_cross_entropy: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("symmetric_cross_entropy") >= 8);
}

TEST_CASE("symmetric_cross_entropy: ignore_index drops samples from loss, mean and gradient") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
  const Variable out =
      symmetric_cross_entropy(x, labels({1, 5}), {.ignore_index = 5, .reduction = Reduction::None});
  CHECK(out.value().data<double>()[1] == 0.0);
  const Variable mean = symmetric_cross_entropy(x, labels({1, 5}), {.ignore_index = 5});
  CHECK(mean.item() == doctest::Approx(out.value().data<double>()[0]));
  backward(mean);
  for (int k = 3; k < 6; ++k) CHECK(x.grad().value().data<double>()[k] == 0.0);
}

TEST_CASE("symmetric_cross_entropy: logits of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3});
  const Variable loss = symmetric_cross_entropy(x, labels({1, 1}), {.reduction = Reduction::None});
  // Sample 0: CE = 2e4, RCE = 4 (p_y = 0); sample 1: p_y = 1, both 0.
  CHECK(loss.value().data<double>()[0] == doctest::Approx(0.1 * 2e4 + 4.0));
  CHECK(loss.value().data<double>()[1] == doctest::Approx(0.0));
  backward(sum(loss));
  for (int k = 0; k < 6; ++k) CHECK(std::isfinite(x.grad().value().data<double>()[k]));
}

TEST_CASE("symmetric_cross_entropy: errors name the loss and the values") {
  const Variable x = leaf({0, 0, 0, 0}, {2, 2});
  CHECK_THROWS_WITH_AS(symmetric_cross_entropy(x, labels({0, 1}), {.log_zero = 0.0}),
                       doctest::Contains("symmetric_cross_entropy: log_zero (A, the value of log "
                                         "0) must be < 0, got 0"),
                       Error);
  CHECK_THROWS_WITH_AS(symmetric_cross_entropy(x, labels({0, 1}), {.alpha = -1.0}),
                       doctest::Contains("alpha and beta must be >= 0, got alpha -1"), Error);
  CHECK_THROWS_WITH_AS(symmetric_cross_entropy(x, labels({-1, 1})),
                       doctest::Contains("symmetric_cross_entropy: label -1 at position 0"), Error);
  CHECK_THROWS_WITH_AS(symmetric_cross_entropy(x, labels({0, 1, 1})),
                       doctest::Contains("target [3] must be [N] = [2]"), Error);
  CHECK_THROWS_WITH_AS(symmetric_cross_entropy(Variable(zeros({0, 2}, kFloat64)), labels({})),
                       doctest::Contains("symmetric_cross_entropy: input is empty"), Error);
  CHECK_THROWS_WITH_AS(symmetric_cross_entropy(Variable(zeros({2, 2}, kInt64)), labels({0, 1})),
                       doctest::Contains("must be float32 or float64"), Error);
}

}  // namespace
}  // namespace minidl::losses
