// Dropout: identity in eval, inverted scaling in training, masks reproducible from a seed,
// gradient through the mask.
#include "nn/dropout.h"

#include <doctest/doctest.h>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "nn/sequential.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

TEST_CASE("dropout: identity in eval mode and for p = 0") {
  Dropout d(0.5, 1);
  d.eval();
  Variable x(ones({4, 5}));
  CHECK(d(x).impl() == x.impl());
  Dropout none(0.0, 1);
  CHECK(none(x).impl() == x.impl());
}

TEST_CASE("dropout: zeros about p of the elements and scales the rest by 1/(1-p)") {
  Dropout d(0.25, 7);
  Tensor y = d(Variable(ones({100, 100}))).value();
  std::int64_t zeros_seen = 0;
  for (double v : y.to_vector()) {
    if (v == 0.0)
      ++zeros_seen;
    else
      CHECK(v == doctest::Approx(1.0 / 0.75).epsilon(1e-7));
  }
  CHECK(zeros_seen > 2300);
  CHECK(zeros_seen < 2700);
  // p = 1 drops everything.
  Dropout all(1.0);
  CHECK(amax(abs(all(Variable(ones({3}))).value())).item() == 0.0);
}

TEST_CASE("dropout: masks are reproducible from the seed and differ across seeds") {
  Variable x(ones({64}));
  Dropout a(0.5, 42), b(0.5, 42), c(0.5, 43);
  Tensor ya = a(x).value();
  CHECK(testing::bitwise_equal(ya, b(x).value()));
  CHECK_FALSE(testing::bitwise_equal(ya, c(x).value()));
  // The next call draws a new mask.
  CHECK_FALSE(testing::bitwise_equal(ya, a(x).value()));
  // Layers seeded from one generator get different streams, reproducibly.
  Generator g1(5), g2(5);
  Dropout d1(0.5, g1), d2(0.5, g1), e1(0.5, g2);
  CHECK(d1.generator().seed() != d2.generator().seed());
  CHECK(d1.generator().seed() == e1.generator().seed());
}

TEST_CASE(
    "dropout: layers built without a seed get their own streams, reproducible by manual_seed") {
  Variable x(ones({256}));
  manual_seed(11);
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Dropout>(0.5));
  model->add(std::make_shared<Dropout>(0.5));
  auto& first = static_cast<Dropout&>(*model->children()[0]);
  auto& second = static_cast<Dropout&>(*model->children()[1]);
  CHECK(first.generator().seed() != second.generator().seed());
  const Tensor m1 = first(x).value(), m2 = second(x).value();
  CHECK_FALSE(testing::bitwise_equal(m1, m2));
  // The same program again: the same streams.
  manual_seed(11);
  Dropout again1(0.5), again2(0.5);
  CHECK(testing::bitwise_equal(again1(x).value(), m1));
  CHECK(testing::bitwise_equal(again2(x).value(), m2));
  // Another seed: other streams.
  manual_seed(12);
  Dropout other(0.5);
  CHECK_FALSE(testing::bitwise_equal(other(x).value(), m1));
}

TEST_CASE("dropout: the gradient is the scaled mask; gradcheck with a fixed mask") {
  Dropout d(0.4, 3);
  Variable x(full({50}, 2.0), true);
  Variable y = d(x);
  backward(sum(y));
  // dy/dx = y / x elementwise.
  CHECK_TENSOR_CLOSE(x.grad().value(), div(y.value(), 2.0));

  Dropout g(0.4, 3);
  g.to(kFloat64);
  VariableFn f = [&](const std::vector<Variable>& in) {
    g.generator().set_state(3, 0);  // the same mask on every evaluation
    return std::vector<Variable>{g(in[0])};
  };
  Generator gen(1);
  GradcheckResult r = gradcheck(f, {Variable(randn({4, 5}, gen, kFloat64), true)});
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("dropout: p outside [0, 1] is refused") {
  CHECK_THROWS_WITH_AS(Dropout(1.5), "Dropout: p must be in [0, 1], got 1.5", Error);
  CHECK(Dropout(0.3).repr() == "Dropout(p=0.3)");
}

}  // namespace
}  // namespace minidl::nn
