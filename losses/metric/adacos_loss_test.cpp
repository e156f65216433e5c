#include <doctest/doctest.h>

#include <cmath>

#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/metric_angular.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "tests/loss_fixtures.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
Variable labels(std::vector<std::int64_t> v) { return Variable(from_vector(v)); }
Variable at_angle(double deg, double norm = 1.0) {
  const double r = deg * M_PI / 180;
  return leaf({norm * std::cos(r), norm * std::sin(r)}, {1, 2});
}

TEST_CASE("adacos_loss: known values by hand, fixed and dynamic") {
  // Class rows at 0, 90 and 180 degrees; x at 60 degrees: c = (0.5, cos 30 deg, -0.5).
  const Variable w = leaf({2, 0, 0, 1, -1, 0}, {3, 2});
  const double s0 = std::sqrt(2.0) * std::log(2.0);
  CHECK(adacos_fixed_scale(3) == doctest::Approx(s0));
  CHECK(adacos_fixed_scale(101) == doctest::Approx(std::sqrt(2.0) * std::log(100.0)));
  const double c1 = std::cos(M_PI / 6);
  const auto ce = [&](double s) {
    return std::log(std::exp(s * 0.5) + std::exp(s * c1) + std::exp(-s * 0.5)) - s * 0.5;
  };
  CHECK(adacos_loss(at_angle(60, 3), labels({0}), w).item() == doctest::Approx(ce(s0)));
  // Dynamic, first step: B_avg = e^{s0 c1} + e^{-s0 / 2}; theta_med = 60 deg > 45 deg.
  AdaCosState st;
  const double s1 = std::log(std::exp(s0 * c1) + std::exp(-s0 * 0.5)) / std::cos(M_PI / 4);
  CHECK(adacos_loss(at_angle(60, 3), labels({0}), w, {.dynamic = true, .state = &st}).item() ==
        doctest::Approx(ce(s1)));
  CHECK(st.scale == doctest::Approx(s1));
  CHECK(st.theta_med == doctest::Approx(M_PI / 3));
  // Second step from s1, with the sample at 30 degrees from its class: theta_med = 30 deg.
  const double s2 = std::log(std::exp(s1 * 0.5) + std::exp(-s1 * c1)) / c1;
  adacos_loss(at_angle(30), labels({0}), w, {.dynamic = true, .state = &st});
  CHECK(st.scale == doctest::Approx(s2));
  // The median of an even count is the lower middle (torch.median): angles 10, 20, 50, 70.
  const Variable x4 =
      leaf({std::cos(0.1745329), std::sin(0.1745329), std::cos(0.3490659), std::sin(0.3490659),
            std::cos(0.8726646), std::sin(0.8726646), std::cos(1.2217305), std::sin(1.2217305)},
           {4, 2});
  AdaCosState st4{.scale = 2.0};
  adacos_loss(x4, labels({0, 0, 0, 0}), w, {.dynamic = true, .state = &st4});
  CHECK(st4.theta_med == doctest::Approx(0.3490659));
}

TEST_CASE("adacos_loss: gradcheck for embeddings and weight, every reduction") {
  Generator gen(9);
  Variable x(randn({6, 4}, gen, kFloat64), true);
  Variable w(randn({4, 4}, gen, kFloat64), true);
  const Variable y = labels({0, 1, 2, 3, 1, 0});
  for (Reduction r : {Reduction::Mean, Reduction::Sum, Reduction::None})
    CHECK(gradcheck(
        [&](const auto& v) { return std::vector{adacos_loss(v[0], y, v[1], {.reduction = r})}; },
        {x, w}));
  // Dynamic: the scale is a constant of the backward, so the loss and its gradients are those of
  // CE(s cos) at the step's s (cosface with m = 0), whose gradcheck is above.
  AdaCosState st{.scale = 5.0};
  const Variable l = adacos_loss(x, y, w, {.dynamic = true, .state = &st});
  backward(l);
  const Tensor gx = x.grad().value(), gw = w.grad().value();
  x.zero_grad();
  w.zero_grad();
  const Variable ref = cosface_loss(x, y, w, {.scale = st.scale, .margin = 0});
  CHECK(l.item() == doctest::Approx(ref.item()).epsilon(1e-12));
  backward(ref);
  CHECK_TENSOR_CLOSE(gx, x.grad().value());
  CHECK_TENSOR_CLOSE(gw, w.grad().value());
}

TEST_CASE("adacos_loss: matches the reference formula") {
  CHECK(testing::check_loss_fixtures("adacos_loss") >= 7);
}

TEST_CASE("adacos_loss: finite loss and gradient at cos theta = +-1") {
  for (bool dynamic : {false, true}) {
    const Variable x = leaf({1, 0, -1, 0, 0, 1e6, 0, -1e-3}, {4, 2});
    const Variable w = leaf({2, 0, 0, 2, -1, -1}, {3, 2});
    AdaCosState st;
    const Variable l = adacos_loss(x, labels({0, 0, 1, 1}), w,
                                   {.dynamic = dynamic, .state = &st, .reduction = Reduction::Sum});
    CHECK(std::isfinite(l.item()));
    backward(l);
    for (const Variable& v : {x, w})
      for (double g : v.grad().value().to_vector()) CHECK(std::isfinite(g));
  }
}

TEST_CASE("adacos_loss: errors name the loss") {
  const Variable x = leaf({1, 2, 3, 4}, {2, 2});
  const Variable w = leaf({1, 0, 0, 1, 1, 1}, {3, 2});
  CHECK_THROWS_WITH_AS(adacos_loss(x, labels({0, 3}), w),
                       doctest::Contains("adacos_loss: label 3 at position 1 is out of range"),
                       Error);
  CHECK_THROWS_WITH_AS(adacos_loss(x, labels({0, 1}), leaf({1, 0, 0, 1, 0, 0}, {2, 3})),
                       doctest::Contains("adacos_loss: weight and embeddings differ in D"), Error);
  CHECK_THROWS_WITH_AS(adacos_loss(x, labels({0, 1}), leaf({1, 0, 0, 1}, {2, 2})),
                       doctest::Contains("adacos_loss: needs at least 3 classes"), Error);
  CHECK_THROWS_WITH_AS(adacos_loss(x, labels({0, 1}), w, {.dynamic = true}),
                       doctest::Contains("adacos_loss: the dynamic scale needs a state"), Error);
  CHECK_THROWS_WITH_AS(adacos_loss(Variable(zeros({0, 2})), Variable(zeros({0}, kInt64)), w),
                       doctest::Contains("adacos_loss: embeddings is empty"), Error);
}

}  // namespace
}  // namespace minidl::losses
