#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/classification.h"
#include "losses/imbalance.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }

TEST_CASE("class_balanced_loss: known values for each loss type") {
  // counts [1, 3], beta 1/2: raw weights 1 and (1/2) / (1 - 1/8) = 4/7, normalised to sum 2:
  // 14/11 and 8/11. Logits 0 everywhere: CE = log 2, sum_c BCE = 2 log 2, focal factor 1/4.
  const double l2 = std::log(2.0), w0 = 14.0 / 11, w1 = 8.0 / 11;
  const Variable x = leaf({0, 0, 0, 0}, {2, 2});
  const Variable y = labels({0, 1});
  ClassBalancedLossOptions o{
      .samples_per_class = {1, 3}, .beta = 0.5, .reduction = Reduction::None};
  CHECK_TENSOR_CLOSE(class_balanced_loss(x, y, o).value(),
                     from_vector(std::vector<double>{w0 * l2, w1 * l2}, {2}), 1e-12);
  o.loss_type = "sigmoid";
  CHECK_TENSOR_CLOSE(class_balanced_loss(x, y, o).value(),
                     from_vector(std::vector<double>{2 * w0 * l2, 2 * w1 * l2}, {2}), 1e-12);
  o.loss_type = "focal";
  CHECK_TENSOR_CLOSE(class_balanced_loss(x, y, o).value(),
                     from_vector(std::vector<double>{w0 * l2 / 2, w1 * l2 / 2}, {2}), 1e-12);
  // mean = sum / N (the official code), not sum / sum of weights.
  o.reduction = Reduction::Mean;
  CHECK(class_balanced_loss(x, y, o).item() == doctest::Approx((w0 + w1) * l2 / 4).epsilon(1e-12));
  o.reduction = Reduction::Sum;
  CHECK(class_balanced_loss(x, y, o).item() == doctest::Approx((w0 + w1) * l2 / 2).epsilon(1e-12));
}

TEST_CASE("class_balanced_loss: beta 0 is plain cross entropy") {
  const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4}, {2, 3});
  const Variable y = labels({2, 0});
  CHECK(class_balanced_loss(x, y, {.samples_per_class = {100, 10, 1}, .beta = 0}).item() ==
        doctest::Approx(cross_entropy(x, y).item()).epsilon(1e-13));
}

TEST_CASE("class_balanced_loss: gradcheck for input, every loss type and reduction") {
  for (const char* type : {"softmax", "sigmoid", "focal"}) {
    for (Reduction r : {Reduction::None, Reduction::Mean, Reduction::Sum}) {
      const Variable x = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.5, 0.0, -2.0}, {3, 3});
      const Variable y = labels({2, 0, 1});
      CHECK(gradcheck(
          [&](const auto& v) {
            return std::vector{class_balanced_loss(
                v[0], y,
                {.samples_per_class = {50, 5, 2}, .beta = 0.9, .loss_type = type, .reduction = r})};
          },
          {x}));
    }
  }
}

TEST_CASE("class_balanced_loss: matches the reference formula (official code)") {
  CHECK(testing::check_loss_fixtures("class_balanced_loss") >= 20);
}

TEST_CASE("class_balanced_loss: logits of +-1e4 give finite losses and gradients") {
  for (const char* type : {"softmax", "sigmoid", "focal"}) {
    const Variable x = leaf({1e4, -1e4, 0, -1e4, 1e4, 0}, {2, 3});
    const Variable loss =
        class_balanced_loss(x, labels({0, 0}), {.samples_per_class = {5, 5, 5}, .loss_type = type});
    backward(loss);
    CHECK(std::isfinite(loss.item()));
    for (double g : x.grad().value().to_vector()) CHECK(std::isfinite(g));
  }
}

TEST_CASE("class_balanced_loss: errors name the op and the values") {
  const Variable x = leaf({1, 2, 3, 4, 5, 6}, {2, 3});
  const Variable y = labels({0, 2});
  CHECK_THROWS_WITH_AS(class_balanced_loss(x, y, {.samples_per_class = {1, 2}}),
                       doctest::Contains("class_balanced_loss: samples_per_class has 2 values, "
                                         "input has 3 classes"),
                       Error);
  CHECK_THROWS_WITH_AS(class_balanced_loss(x, y, {.samples_per_class = {1, 0, 2}}),
                       doctest::Contains("class_balanced_loss: samples_per_class[1] is 0"), Error);
  CHECK_THROWS_WITH_AS(class_balanced_loss(x, y, {.samples_per_class = {1, 1, 2}, .beta = 1}),
                       doctest::Contains("class_balanced_loss: beta must be in [0, 1), got 1"),
                       Error);
  CHECK_THROWS_WITH_AS(
      class_balanced_loss(x, y, {.samples_per_class = {1, 1, 2}, .loss_type = "hinge"}),
      doctest::Contains("class_balanced_loss: loss_type must be 'softmax', 'sigmoid' or 'focal'"),
      Error);
  CHECK_THROWS_WITH_AS(class_balanced_loss(x, labels({0, 3}), {.samples_per_class = {1, 1, 2}}),
                       doctest::Contains("class_balanced_loss: label 3 at position 1"), Error);
  CHECK_THROWS_WITH_AS(class_balanced_loss(x, labels({0, -100}), {.samples_per_class = {1, 1, 2}}),
                       doctest::Contains("class_balanced_loss: label -100 at position 1"), Error);
  CHECK_THROWS_WITH_AS(class_balanced_loss(x, labels({0}), {.samples_per_class = {1, 1, 2}}),
                       doctest::Contains("class_balanced_loss: target [1] must be [2]"), Error);
  CHECK_THROWS_WITH_AS(class_balanced_loss(Variable(zeros({0, 3})), Variable(zeros({0}, kInt64)),
                                           {.samples_per_class = {1, 1, 2}}),
                       doctest::Contains("class_balanced_loss: input is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
