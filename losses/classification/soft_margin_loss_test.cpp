#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "losses/classification_margin.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape, bool grad = true) {
  return Variable(from_vector(v, shape), grad);
}

TEST_CASE("soft_margin_loss: known values for each reduction") {
  // -y x = {0, -2, 1, 3}: log(1 + e^z) = {log 2, log(1 + e^-2), log(1 + e), log(1 + e^3)}
  const Variable x = leaf({0, 2, -1, 3}, {2, 2}), y = leaf({1, 1, 1, -1}, {2, 2}, false);
  const std::vector<double> l = {std::log(2.0), std::log1p(std::exp(-2.0)),
                                 std::log1p(std::exp(1.0)), std::log1p(std::exp(3.0))};
  const double total = l[0] + l[1] + l[2] + l[3];
  CHECK(soft_margin_loss(x, y).item() == doctest::Approx(total / 4));
  CHECK(soft_margin_loss(x, y, {.reduction = Reduction::Sum}).item() == doctest::Approx(total));
  CHECK_TENSOR_CLOSE(soft_margin_loss(x, y, {.reduction = Reduction::None}).value(),
                     from_vector(l, {2, 2}));
}

TEST_CASE("soft_margin_loss: gradcheck for input, every reduction") {
  const Variable y = leaf({1, -1, 1, 1, -1, -1}, {2, 3}, false);
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable x = leaf({0.3, -1.2, 2.0, 0.0, 0.1, -4.0}, {2, 3});
    CHECK(gradcheck(
        [&](const auto& v) { return std::vector{soft_margin_loss(v[0], y, {.reduction = r})}; },
        {x}));
  }
}

TEST_CASE("soft_margin_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("soft_margin_loss") >= 5);
}

TEST_CASE("soft_margin_loss: gradient -y/2 at x = 0 (no kink: the smooth hinge)") {
  const Variable x = leaf({0, 0}, {2});
  backward(soft_margin_loss(x, leaf({1, -1}, {2}, false), {.reduction = Reduction::Sum}));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-0.5, 0.5}, {2}));
}

TEST_CASE("soft_margin_loss: scores of +-1e4 give a finite loss and gradient") {
  const Variable x = leaf({-1e4, 1e4}, {2});
  const Variable l = soft_margin_loss(x, leaf({1, 1}, {2}, false), {.reduction = Reduction::None});
  CHECK_TENSOR_CLOSE(l.value(), from_vector(std::vector<double>{1e4, 0}, {2}));
  backward(sum(l));
  CHECK_TENSOR_CLOSE(x.grad().value(), from_vector(std::vector<double>{-1, 0}, {2}));
  // float32 too: exp never sees a large positive argument.
  const Variable xf(from_vector(std::vector<float>{-1e4f, 1e4f}), true);
  const Variable lf = soft_margin_loss(xf, Variable(from_vector(std::vector<float>{1.f, -1.f})));
  CHECK(std::isfinite(lf.item()));
  CHECK(lf.item() == doctest::Approx(1e4));
}

TEST_CASE("soft_margin_loss: errors name the op and the offending values") {
  const Variable x = leaf({1, 2, 3}, {3});
  CHECK_THROWS_WITH_AS(soft_margin_loss(x, leaf({1, 0, 1}, {3}, false)),
                       doctest::Contains("soft_margin_loss: target must hold -1 or +1, got 0 at "
                                         "position 1"),
                       Error);
  CHECK_THROWS_WITH_AS(soft_margin_loss(x, leaf({1, 1}, {2}, false)),
                       doctest::Contains("soft_margin_loss: input [3] and target [2]"), Error);
  CHECK_THROWS_WITH_AS(soft_margin_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("soft_margin_loss: input is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
