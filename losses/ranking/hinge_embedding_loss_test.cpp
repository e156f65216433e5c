#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/ranking.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }

TEST_CASE("hinge_embedding_loss: known values for each reduction") {
  const Variable d = leaf({0.3, 0.4, 1.5, 0.2}, {4});
  const Variable y(from_vector(std::vector<double>{1, -1, -1, 1}, {4}));
  // [0.3, max(0, 1 - 0.4), max(0, 1 - 1.5), 0.2] = [0.3, 0.6, 0, 0.2]
  CHECK_TENSOR_CLOSE(hinge_embedding_loss(d, y, {.reduction = Reduction::None}).value(),
                     from_vector(std::vector<double>{0.3, 0.6, 0, 0.2}, {4}));
  CHECK(hinge_embedding_loss(d, y).item() == doctest::Approx(0.275));
  CHECK(hinge_embedding_loss(d, y, {.margin = 2.0, .reduction = Reduction::Sum}).item() ==
        doctest::Approx(0.3 + 1.6 + 0.5 + 0.2));
}

TEST_CASE("hinge_embedding_loss: gradcheck for input, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable d = leaf({0.3, 1.2, 2.0, 0.7, 0.1, 0.4}, {2, 3});
    const Variable y(from_vector(std::vector<double>{1, -1, -1, -1, 1, -1}, {2, 3}));
    CHECK(gradcheck(
        [&y, r](const auto& v) {
          return std::vector{hinge_embedding_loss(v[0], y, {.margin = 1.5, .reduction = r})};
        },
        {d}));
  }
}

TEST_CASE("hinge_embedding_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("hinge_embedding_loss") >= 10);
}

TEST_CASE("hinge_embedding_loss: the kink x = margin takes the gradient -1; target gets none") {
  const Variable d = leaf({1.0, 2.0, 1.0}, {3}), y = leaf({-1, -1, 1}, {3});
  backward(hinge_embedding_loss(d, y, {.reduction = Reduction::Sum}));
  CHECK(d.grad().value().at(0) == -1.0);  // margin - x = 0 exactly: passes, as clamp_min
  CHECK(d.grad().value().at(1) == 0.0);
  CHECK(d.grad().value().at(2) == 1.0);
  CHECK_FALSE(y.grad().defined());
}

TEST_CASE("hinge_embedding_loss: large distances stay finite") {
  const Variable d = leaf({1e4, 1e4}, {2});
  const Variable y(from_vector(std::vector<double>{1, -1}, {2}));
  const Variable l = hinge_embedding_loss(d, y);
  CHECK(l.item() == doctest::Approx(5e3));
  backward(l);
  for (double g : d.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("hinge_embedding_loss: errors name the op, the shapes and the labels") {
  const Variable d = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(
      hinge_embedding_loss(d, Variable(from_vector(std::vector<double>{1, 0.5}, {2}))),
      doctest::Contains("hinge_embedding_loss: target must hold -1 or +1, got 0.5 at position 1"),
      Error);
  CHECK_THROWS_WITH_AS(hinge_embedding_loss(d, Variable(ones({3}, kFloat64))),
                       doctest::Contains("hinge_embedding_loss: input [2] and target [3]"), Error);
  CHECK_THROWS_WITH_AS(hinge_embedding_loss(Variable(zeros({0})), Variable(zeros({0}))),
                       doctest::Contains("hinge_embedding_loss: input is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
