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
Variable labels(std::vector<double> v) {
  const Shape s{static_cast<std::int64_t>(v.size())};
  return Variable(from_vector(v, s));
}

TEST_CASE("cosine_embedding_loss: known values for each reduction") {
  // cos = 1/sqrt(2) (pair 0, similar), 0 (pair 1, dissimilar), -1 (pair 2, similar).
  const Variable a = leaf({1, 0, 1, 0, 1, 1}, {3, 2}), b = leaf({1, 1, 0, 2, -2, -2}, {3, 2});
  const Variable y = labels({1, -1, 1});
  const Tensor none =
      cosine_embedding_loss(a, b, y, {.margin = -0.5, .reduction = Reduction::None}).value();
  CHECK(none.at(0) == doctest::Approx(1 - 1 / std::sqrt(2.0)));
  CHECK(none.at(1) == doctest::Approx(0.5));  // max(0, 0 + 0.5)
  CHECK(none.at(2) == doctest::Approx(2.0));
  CHECK(cosine_embedding_loss(a, b, y).item() == doctest::Approx((3 - 1 / std::sqrt(2.0)) / 3));
  CHECK(cosine_embedding_loss(a, b, y, {.reduction = Reduction::Sum}).item() ==
        doctest::Approx(3 - 1 / std::sqrt(2.0)));
  // [D] inputs with a 0-d target give a 0-d loss.
  const Variable one =
      cosine_embedding_loss(leaf({1, 0}, {2}), leaf({1, 1}, {2}),
                            Variable(scalar_tensor(1.0, kFloat64)), {.reduction = Reduction::None});
  CHECK(one.dim() == 0);
  CHECK(one.item() == doctest::Approx(1 - 1 / std::sqrt(2.0)));
}

TEST_CASE("cosine_embedding_loss: gradcheck for input1 and input2, every reduction") {
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None}) {
    const Variable a = leaf({0.3, -1.2, 2.0, 0.7, 0.1, -0.4, 1.0, 0.2, -0.3}, {3, 3});
    const Variable b = leaf({0.1, 0.5, -1.0, 0.9, 2.2, 0.0, 1.1, -0.1, 0.5}, {3, 3});
    const Variable y = labels({1, -1, -1});
    CHECK(gradcheck(
        [&y, r](const auto& v) {
          return std::vector{
              cosine_embedding_loss(v[0], v[1], y, {.margin = -0.2, .reduction = r})};
        },
        {a, b}));
    const Variable t(scalar_tensor(1.0, kFloat64));
    CHECK(gradcheck(
        [&t, r](const auto& v) {
          return std::vector{cosine_embedding_loss(v[0], v[1], t, {.reduction = r})};
        },
        {leaf({0.3, -1.2, 2.0}, {3}), leaf({0.1, 0.5, -1.0}, {3})}));
  }
}

TEST_CASE("cosine_embedding_loss: matches PyTorch") {
  CHECK(testing::check_loss_fixtures("cosine_embedding_loss") >= 14);
}

TEST_CASE("cosine_embedding_loss: zero vectors give cos 0 and finite gradients; kink passes") {
  // Row 0: x1 = 0, dissimilar, margin 0: c - margin = 0 is the kink; the gradient passes and is
  // x2 / sqrt((0 + e)(|x2|^2 + e)) ~ 1e6 (PyTorch's EPSILON = float(1e-12) on the squared norms).
  const Variable a = leaf({0, 0, 1, 0}, {2, 2}), b = leaf({1, 0, 0, 1}, {2, 2});
  const Variable l = cosine_embedding_loss(a, b, labels({-1, -1}), {.reduction = Reduction::Sum});
  CHECK(l.item() == 0.0);
  backward(l);
  CHECK(a.grad().value().at(0) == doctest::Approx(1e6).epsilon(1e-6));
  CHECK(a.grad().value().at(3) == doctest::Approx(1.0));  // orthogonal pair at the kink
  for (double g : b.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("cosine_embedding_loss: large embeddings stay finite") {
  const Variable a = leaf({1e4, -1e4, 3e4, 1e4}, {2, 2}), b = leaf({-1e4, 2e4, 1e4, 1e4}, {2, 2});
  const Variable l = cosine_embedding_loss(a, b, labels({1, -1}));
  CHECK(std::isfinite(l.item()));
  backward(l);
  for (double g : a.grad().value().to_vector()) CHECK(std::isfinite(g));
}

TEST_CASE("cosine_embedding_loss: errors name the op, the shapes and the labels") {
  const Variable a = leaf({1, 2, 3, 4}, {2, 2}), b = leaf({1, 2, 3, 4}, {2, 2});
  CHECK_THROWS_WITH_AS(cosine_embedding_loss(a, b, labels({1, 2})),
                       doctest::Contains("cosine_embedding_loss: target must hold -1 or +1, got 2"),
                       Error);
  CHECK_THROWS_WITH_AS(cosine_embedding_loss(a, leaf({1, 2}, {2}), labels({1, 1})),
                       doctest::Contains("cosine_embedding_loss: input1 [2,2] and input2 [2]"),
                       Error);
  CHECK_THROWS_WITH_AS(cosine_embedding_loss(a, b, labels({1, 1, 1})),
                       doctest::Contains("cosine_embedding_loss: target [3] and input1 [2,2]"),
                       Error);
  CHECK_THROWS_WITH_AS(cosine_embedding_loss(a, b, Variable(ones({2, 2}, kFloat64))),
                       doctest::Contains("cosine_embedding_loss: target must be [N] or 0-d"),
                       Error);
  CHECK_THROWS_WITH_AS(cosine_embedding_loss(leaf({1, 2}, {2}), leaf({1, 2}, {2}), labels({1})),
                       doctest::Contains("cosine_embedding_loss: a [N] target needs [N, D] inputs"),
                       Error);
  CHECK_THROWS_WITH_AS(
      cosine_embedding_loss(Variable(zeros({0, 3})), Variable(zeros({0, 3})), Variable(zeros({0}))),
      doctest::Contains("cosine_embedding_loss: input1 is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
