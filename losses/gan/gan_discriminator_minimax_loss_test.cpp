#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "losses/gan.h"
#include "tensor/error.h"
#include "tests/test_util.h"

namespace minidl::losses {
namespace {

Variable leaf(std::vector<double> v, Shape shape) { return Variable(from_vector(v, shape), true); }
double sp(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x))); }
double sigm(double x) { return 1.0 / (1.0 + std::exp(-x)); }

TEST_CASE("gan_discriminator_minimax_loss: known value, batches of different sizes") {
  // d = 0 gives log 2 per term; ln 3 for a real gives -log(3/4) = log(4/3).
  const Variable r = leaf({0.0, std::log(3.0)}, {2}), f = leaf({0.0, 1.0, -2.0}, {3, 1});
  const double expected = (sp(0.0) + sp(-std::log(3.0))) / 2 + (sp(0.0) + sp(1.0) + sp(-2.0)) / 3;
  CHECK(gan_discriminator_minimax_loss(r, f).item() == doctest::Approx(expected));
  CHECK(sp(-std::log(3.0)) == doctest::Approx(std::log(4.0 / 3.0)));
  backward(gan_discriminator_minimax_loss(r, f));
  CHECK_TENSOR_CLOSE(r.grad().value(), from_vector(std::vector<double>{-0.5 / 2, -0.25 / 2}, {2}));
  CHECK_TENSOR_CLOSE(
      f.grad().value(),
      from_vector(std::vector<double>{0.5 / 3, sigm(1.0) / 3, sigm(-2.0) / 3}, {3, 1}));
}

TEST_CASE("gan_discriminator_minimax_loss: gradcheck for both inputs") {
  CHECK(gradcheck(
      [](const auto& v) { return std::vector{gan_discriminator_minimax_loss(v[0], v[1])}; },
      {leaf({-2.0, 0.3, 4.0, 0.0}, {4}), leaf({-0.7, 1.1, 2.5}, {3})}));
}

TEST_CASE("gan_discriminator_minimax_loss: logits of +-1e4 give a finite loss and gradient") {
  const Variable r = leaf({1e4, -1e4}, {2}), f = leaf({-1e4, 1e4}, {2});
  const Variable loss = gan_discriminator_minimax_loss(r, f);
  CHECK(loss.item() == doctest::Approx(1e4));  // (0 + 1e4) / 2 twice
  backward(loss);
  CHECK_TENSOR_CLOSE(r.grad().value(), from_vector(std::vector<double>{0.0, -0.5}, {2}));
  CHECK_TENSOR_CLOSE(f.grad().value(), from_vector(std::vector<double>{0.0, 0.5}, {2}));
}

TEST_CASE("gan_discriminator_minimax_loss: errors name the loss and the input") {
  const Variable d = leaf({1, 2}, {2});
  CHECK_THROWS_WITH_AS(gan_discriminator_minimax_loss(d, Variable(zeros({0}, kFloat64))),
                       doctest::Contains("gan_discriminator_minimax_loss: d_fake is empty"), Error);
  CHECK_THROWS_WITH_AS(gan_discriminator_minimax_loss(Variable(zeros({2}, kInt64)), d),
                       doctest::Contains("gan_discriminator_minimax_loss: d_real must be float32"),
                       Error);
  CHECK_THROWS_WITH_AS(gan_discriminator_minimax_loss(Variable(), d),
                       doctest::Contains("gan_discriminator_minimax_loss: d_real is undefined"),
                       Error);
}

}  // namespace
}  // namespace minidl::losses
