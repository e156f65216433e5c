// Gradient clipping beyond the PyTorch values of torch_fixture_test.cpp: parameters without a
// gradient, zero and non-finite norms, large float32 gradients over several chunks.
#include "optim/clip.h"

#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "tests/test_util.h"

namespace minidl::optim {
namespace {

Variable with_grad(std::vector<double> g) {
  Variable p(zeros({static_cast<std::int64_t>(g.size())}, kFloat64), true);
  p.set_grad(Variable(from_vector(g)));
  return p;
}

TEST_CASE("clip: global norm by hand; parameters without a gradient are ignored") {
  Variable a = with_grad({3.0, 0.0}), b = with_grad({0.0, 4.0});
  Variable none(zeros({2}, kFloat64), true);
  const double total = clip_grad_norm_({a, none, b}, 1.0);
  CHECK(total == 5.0);
  const double coef = 1.0 / (5.0 + 1e-6);
  CHECK(a.grad().value().at(0) == doctest::Approx(3.0 * coef).epsilon(1e-15));
  CHECK(b.grad().value().at(1) == doctest::Approx(4.0 * coef).epsilon(1e-15));
  CHECK_FALSE(none.grad().defined());
  // Under the limit nothing changes, bit for bit.
  Variable c = with_grad({0.3, -0.4});
  const Tensor before = c.grad().value().clone();
  CHECK(clip_grad_norm_({c}, 1.0) == doctest::Approx(0.5));
  CHECK(testing::bitwise_equal(c.grad().value(), before));
  CHECK(clip_grad_norm_({c}, 1.0, kInfNorm) == doctest::Approx(0.4));
  CHECK(clip_grad_norm_({none}, 1.0) == 0.0);
  Variable zero = with_grad({0.0, 0.0});
  CHECK(clip_grad_norm_({zero}, 1.0) == 0.0);
  CHECK(zero.grad().value().at(0) == 0.0);
}

TEST_CASE("clip: a non-finite norm poisons the gradients unless error_if_nonfinite") {
  const double inf = std::numeric_limits<double>::infinity();
  Variable a = with_grad({inf, 1.0});
  try {
    clip_grad_norm_({a}, 1.0, 2.0, true);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()).find("clip_grad_norm_: the total norm inf") != std::string::npos);
  }
  CHECK(a.grad().value().at(1) == 1.0);  // unchanged by the failed call
  CHECK(std::isinf(clip_grad_norm_({a}, 1.0)));
  CHECK(a.grad().value().at(1) == 0.0);  // PyTorch: scaled by max_norm / inf = 0
  Variable n = with_grad({std::nan(""), 1.0});
  CHECK(std::isnan(clip_grad_norm_({n}, 1.0, kInfNorm)));
  CHECK(std::isnan(n.grad().value().at(1)));
}

TEST_CASE("clip: large float32 gradients, several chunks") {
  const std::int64_t n = 200001;
  Tensor g({n}, kFloat32);
  double ss = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    g.data<float>()[i] = std::sin(0.01f * static_cast<float>(i));
    ss += static_cast<double>(g.data<float>()[i]) * g.data<float>()[i];
  }
  Variable p(zeros({n}, kFloat32), true);
  p.set_grad(Variable(g.clone()));
  const double total = clip_grad_norm_({p}, 2.0);
  CHECK(total == doctest::Approx(std::sqrt(ss)).epsilon(1e-12));
  double after = 0;
  for (std::int64_t i = 0; i < n; ++i)
    after +=
        static_cast<double>(p.grad().value().data<float>()[i]) * p.grad().value().data<float>()[i];
  CHECK(std::sqrt(after) == doctest::Approx(2.0).epsilon(1e-5));
}

TEST_CASE("clip: clip_grad_value_ clamps every element; bad arguments are errors") {
  Variable a = with_grad({-3.0, 0.25, 2.0});
  clip_grad_value_({a}, 1.0);
  CHECK(a.grad().value().to_vector() == std::vector<double>{-1.0, 0.25, 1.0});
  auto throws_with = [](auto fn, const std::string& text) {
    try {
      fn();
      FAIL("no error; expected: ", text);
    } catch (const Error& e) {
      CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, e.what());
    }
  };
  throws_with([&] { clip_grad_value_({a}, -1.0); }, "clip_grad_value_: invalid clip_value -1");
  throws_with([&] { clip_grad_norm_({a}, 1.0, 0.0); }, "clip_grad_norm_: invalid norm_type 0");
  throws_with([&] { clip_grad_norm_({a}, -1.0); }, "clip_grad_norm_: invalid max_norm -1");
}

}  // namespace
}  // namespace minidl::optim
