// Reduction kernels (tensor/reduce.cpp, tensor/argmax.cpp, tensor/softmax.cpp): every axis subset
// against the naive reference (tensor/naive_math.h), the chunked paths on large shapes, ties and
// NaN for max/min, stability of logsumexp and softmax, sum_to, errors, and 1-vs-2-thread bitwise
// equality.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "tensor/naive_math.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor f64(const NestedList& v) { return tensor(v, kFloat64); }

// Every subset of {0, ..., rank-1}; the empty set means "all axes" to the ops.
std::vector<Axes> axis_subsets(std::int64_t rank) {
  std::vector<Axes> out;
  for (unsigned mask = 0; mask < (1u << rank); ++mask) {
    Axes a;
    for (std::int64_t i = 0; i < rank; ++i)
      if ((mask >> i) & 1u) a.push_back(i);
    out.push_back(a);
  }
  return out;
}

// Checks sum, mean, var, amax, amin, logsumexp and norm against the naive reference for every
// axis subset of x, with and without keepdim.
void check_all_subsets(const Tensor& x, double rtol) {
  for (const Axes& axes : axis_subsets(x.dim()))
    for (bool keep : {false, true}) {
      CAPTURE(shape_str(x.shape()));
      CAPTURE(shape_str(axes));
      CAPTURE(keep);
      CHECK_TENSOR_CLOSE(sum(x, axes, keep), naive::sum(x, axes, keep), rtol, 1e-12);
      CHECK_TENSOR_CLOSE(mean(x, axes, keep), naive::mean(x, axes, keep), rtol, 1e-12);
      CHECK_TENSOR_CLOSE(var(x, axes, 1, keep), naive::var(x, axes, 1, keep), rtol, 1e-12);
      CHECK_TENSOR_CLOSE(var(x, axes, 0, keep), naive::var(x, axes, 0, keep), rtol, 1e-12);
      CHECK_TENSOR_CLOSE(amax(x, axes, keep), naive::amax(x, axes, keep), 0.0, 1e-300);
      CHECK_TENSOR_CLOSE(amin(x, axes, keep), naive::amin(x, axes, keep), 0.0, 1e-300);
      CHECK_TENSOR_CLOSE(logsumexp(x, axes, keep), naive::logsumexp(x, axes, keep), rtol, 1e-12);
      CHECK_TENSOR_CLOSE(norm(x, 2.0, axes, keep), naive::norm(x, 2.0, axes, keep), rtol, 1e-12);
    }
}

}  // namespace

TEST_CASE("reduce: every axis subset of a 7x13x5 tensor matches the naive reference") {
  Generator gen(42);
  check_all_subsets(randn({7, 13, 5}, gen, kFloat64), 1e-12);
  check_all_subsets(randn({7, 13, 5}, gen, kFloat32), 1e-6);
  // Negative axes name the same reductions.
  Tensor x = randn({7, 13, 5}, gen, kFloat64);
  CHECK(testing::bitwise_equal(sum(x, {-1, -3}), sum(x, {0, 2})));
  CHECK(testing::bitwise_equal(amax(x, {-2}, true), amax(x, {1}, true)));
}

TEST_CASE("reduce: every axis subset of 4-d tensors matches the naive reference") {
  Generator gen(42);
  check_all_subsets(randn({3, 4, 5, 6}, gen, kFloat64), 1e-12);
  // A size-1 axis between reduced ones must not force a copy or change the result.
  check_all_subsets(randn({3, 1, 4, 5}, gen, kFloat64), 1e-12);
}

TEST_CASE("reduce: large reductions take the chunked paths and match the naive reference") {
  Generator gen(42);
  struct Case {
    Shape shape;
    Axes axes;
  };
  // Long rows (several row chunks), tall-skinny columns (row chunks of a column block), wide
  // inner axes (several inner blocks), many short rows, and a scattered axis set (permute copy).
  const std::vector<Case> cases = {{{2, 40000}, {1}}, {{25000, 3}, {0}},       {{2, 50, 700}, {1}},
                                   {{30000, 3}, {1}}, {{20, 2000, 3}, {0, 2}}, {{40000}, {}}};
  for (const auto& c : cases)
    for (DType dt : {kFloat32, kFloat64}) {
      CAPTURE(shape_str(c.shape));
      CAPTURE(shape_str(c.axes));
      Tensor x = randn(c.shape, gen, dt);
      const double rtol = dt == kFloat32 ? 1e-6 : 1e-11;
      CHECK_TENSOR_CLOSE(sum(x, c.axes), naive::sum(x, c.axes, false), rtol, 1e-9);
      CHECK_TENSOR_CLOSE(mean(x, c.axes, true), naive::mean(x, c.axes, true), rtol, 1e-9);
      CHECK_TENSOR_CLOSE(var(x, c.axes), naive::var(x, c.axes, 1, false), rtol, 1e-9);
      CHECK_TENSOR_CLOSE(amax(x, c.axes), naive::amax(x, c.axes, false), 0.0, 1e-300);
      CHECK_TENSOR_CLOSE(amin(x, c.axes), naive::amin(x, c.axes, false), 0.0, 1e-300);
    }
}

TEST_CASE("reduce: int64 sums are exact and mean of int64 is float32") {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}}, kInt64);
  CHECK(sum(x).dtype() == kInt64);
  CHECK(sum(x).item() == 21);
  CHECK(sum(x, {0}).to_vector() == std::vector<double>{5, 7, 9});
  CHECK(mean(x).dtype() == kFloat32);
  CHECK(mean(x, {1}).to_vector() == std::vector<double>{2, 5});
  CHECK(var(x, {1}).to_vector() == std::vector<double>{1, 1});
  CHECK(amax(x, {1}).to_vector() == std::vector<double>{3, 6});
  CHECK(amax(x).dtype() == kInt64);
  Tensor big = full({3}, 3e15, kInt64);  // beyond float precision per element, exact in int64
  CHECK(sum(big).values<std::int64_t>()[0] == 9000000000000000LL);
}

TEST_CASE("reduce: empty and 0-d tensors") {
  CHECK(sum(zeros({0})).item() == 0.0);
  CHECK(sum(zeros({0}), {}, true).shape() == Shape{1});
  CHECK(std::isnan(mean(zeros({0})).item()));
  CHECK(sum(zeros({2, 0}), {1}).to_vector() == std::vector<double>{0, 0});
  CHECK(amax(zeros({0, 5}), {1}).shape() == Shape{0});
  CHECK_THROWS_WITH_AS(amax(zeros({0, 5}), {0}),
                       doctest::Contains("amax: reduction over an empty axis"), Error);
  CHECK_THROWS_WITH_AS(max(zeros({0, 5}), 0), doctest::Contains("max:"), Error);
  CHECK_THROWS_WITH_AS(argmin(zeros({3, 0}), 1), doctest::Contains("argmin:"), Error);
  CHECK(logsumexp(zeros({0}), {}).item() == -kInf);
  // Infinities are values, not overflow: the identities of amax / amin must not swallow them.
  CHECK(amax(f64({-kInf, -kInf})).item() == -kInf);
  CHECK(amin(tensor({kInf, kInf, kInf, kInf, kInf, kInf, kInf, kInf, kInf}), {0}).item() == kInf);
  CHECK(amax(full({3, 20, 4}, -kInf, kFloat32), {1}).to_vector() == std::vector<double>(12, -kInf));
  Tensor s = scalar_tensor(2.5, kFloat64);
  CHECK(sum(s).item() == 2.5);
  CHECK(sum(s, {0}).dim() == 0);
  CHECK(amax(s, {0}).item() == 2.5);
  CHECK(max(s, 0).second.item() == 0);
  CHECK(softmax(s, 0).item() == 1.0);
  CHECK(sum(ones({1, 1}), {}, true).shape() == Shape{1, 1});
}

TEST_CASE("reduce: var and std follow the correction convention") {
  Tensor x = f64({1.0, 2.0, 3.0, 4.0});
  CHECK(var(x).item() == doctest::Approx(5.0 / 3.0));
  CHECK(var(x, {}, 0).item() == doctest::Approx(1.25));
  CHECK(std(x).item() == doctest::Approx(std::sqrt(5.0 / 3.0)));
  CHECK(std::isnan(var(f64({3.0})).item()));  // 0 / 0, like PyTorch
  // Two passes: a large offset does not wipe out a small spread.
  Tensor shifted = f64({1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4});
  CHECK(var(shifted).item() == doctest::Approx(5.0 / 3.0).epsilon(1e-9));
  CHECK(var(tensor({1e4 + 1, 1e4 + 2, 1e4 + 3, 1e4 + 4}, kFloat32)).item() ==
        doctest::Approx(5.0 / 3.0).epsilon(1e-6));
}

TEST_CASE("reduce: max and min give the first index on ties and propagate NaN") {
  Tensor x = f64({{1.0, 3.0, 3.0, 0.0}, {2.0, NAN, 5.0, NAN}, {-1.0, -1.0, -2.0, -2.0}});
  auto [mv, mi] = max(x, 1);
  CHECK(mi.to_vector() == std::vector<double>{1, 1, 0});
  CHECK(mv.at(0) == 3.0);
  CHECK(std::isnan(mv.at(1)));
  auto [nv, ni] = min(x, 1, true);
  CHECK(ni.shape() == Shape{3, 1});
  CHECK(ni.to_vector() == std::vector<double>{3, 1, 2});
  CHECK(argmax(x, 0).to_vector() == std::vector<double>{1, 1, 1, 1});
  CHECK(argmin(f64({{2.0, 1.0}, {1.0, 1.0}}), 0).to_vector() == std::vector<double>{1, 0});
  CHECK(argmax(tensor({{1, 7, 7}}, kInt64), 1).dtype() == kInt64);
  CHECK(argmax(tensor({{1, 7, 7}}, kInt64), 1).item() == 1);
  // Long rows are scanned in chunks: ties and NaN across chunk boundaries keep the first index.
  Tensor row = zeros({2, 100000}, kFloat32);
  float* p = row.data<float>();
  p[40000] = p[90000] = 5.0f;
  p[100000 + 70000] = NAN;
  p[100000 + 99999] = NAN;
  p[100000 + 10] = 9.0f;
  CHECK(argmax(row, 1).to_vector() == std::vector<double>{40000, 70000});
  CHECK(argmin(row, 1).to_vector() == std::vector<double>{0, 70000});
  Generator gen(42);
  Tensor r = randn({7, 13, 5}, gen, kFloat64);
  for (std::int64_t axis = -3; axis < 3; ++axis)
    for (bool keep : {false, true}) {
      CAPTURE(axis);
      auto [v, i] = max(r, axis, keep);
      auto [ev, ei] = naive::max(r, axis, keep);
      CHECK_TENSOR_CLOSE(v, ev, 0.0, 1e-300);
      CHECK_TENSOR_CLOSE(i, ei, 0.0, 1e-300);
      auto [v2, i2] = min(r, axis, keep);
      auto [ev2, ei2] = naive::min(r, axis, keep);
      CHECK_TENSOR_CLOSE(v2, ev2, 0.0, 1e-300);
      CHECK_TENSOR_CLOSE(i2, ei2, 0.0, 1e-300);
    }
  Tensor wide = randint(0, 3, {3, 7, 600}, gen);  // many ties, inner blocks
  CHECK_TENSOR_CLOSE(argmax(wide, 1), naive::max(wide, 1, false).second, 0.0, 1e-300);
  CHECK_TENSOR_CLOSE(argmin(wide, 1), naive::min(wide, 1, false).second, 0.0, 1e-300);
}

TEST_CASE("reduce: logsumexp is finite for huge values and -inf for all -inf rows") {
  Tensor x = f64({{1e4, 1e4}, {-kInf, -kInf}, {-kInf, 0.0}, {kInf, 1.0}, {-1e4, -1e4}});
  Tensor l = logsumexp(x, {1});
  CHECK(l.at(0) == doctest::Approx(1e4 + std::log(2.0)));
  CHECK(l.at(1) == -kInf);
  CHECK(l.at(2) == 0.0);
  CHECK(l.at(3) == kInf);
  CHECK(l.at(4) == doctest::Approx(-1e4 + std::log(2.0)));
  Tensor lf = logsumexp(tensor({{1e4, 1e4}, {-kInf, -kInf}}, kFloat32), {1});
  CHECK(lf.at(0) == doctest::Approx(1e4 + std::log(2.0)));
  CHECK(lf.at(1) == -kInf);
  CHECK(logsumexp(tensor({1, 2}, kInt64), {0}).dtype() == kFloat32);
}

TEST_CASE("reduce: softmax rows sum to 1 and match the naive reference on every axis") {
  Generator gen(42);
  for (DType dt : {kFloat64, kFloat32}) {
    Tensor x = randn({7, 13, 5}, gen, dt, 0.0, 3.0);
    const double rtol = dt == kFloat32 ? 2e-6 : 1e-12;
    for (std::int64_t axis = -3; axis < 3; ++axis) {
      CAPTURE(axis);
      Tensor s = softmax(x, axis);
      CHECK(s.dtype() == dt);
      CHECK_TENSOR_CLOSE(s, naive::softmax(x, axis), rtol, 1e-7);
      CHECK_TENSOR_CLOSE(log_softmax(x, axis), naive::log_softmax(x, axis), rtol, 1e-6);
      CHECK_TENSOR_CLOSE(sum(s, {axis}), ones(sum(s, {axis}).shape(), dt), 1e-6, 1e-300);
    }
  }
  // Wide inner axes (several column blocks) and a long row.
  Tensor w = randn({2, 3, 600}, gen, kFloat64);
  CHECK_TENSOR_CLOSE(softmax(w, 1), naive::softmax(w, 1), 1e-12, 1e-15);
  Tensor row = randn({3, 40000}, gen, kFloat32);
  CHECK_TENSOR_CLOSE(sum(softmax(row, 1), {1}), ones({3}), 1e-5, 1e-300);
  // Huge logits: exact limits, no overflow.
  Tensor big = softmax(f64({{1000.0, 0.0}, {-1000.0, -1000.0}}), 1);
  CHECK(big.to_vector() == std::vector<double>{1.0, 0.0, 0.5, 0.5});
  Tensor lbig = log_softmax(f64({1000.0, 0.0}), 0);
  CHECK(lbig.at(0) == 0.0);
  CHECK(lbig.at(1) == -1000.0);
  CHECK(log_softmax(f64({-kInf, 0.0}), 0).to_vector() == std::vector<double>{-kInf, 0.0});
}

TEST_CASE("reduce: norm for p = 1, 2 and inf matches the naive reference") {
  Generator gen(42);
  Tensor x = randn({7, 13, 5}, gen, kFloat64);
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {1.0, 2.0, inf})
    for (const Axes& axes : axis_subsets(3)) {
      CAPTURE(p);
      CAPTURE(shape_str(axes));
      CHECK_TENSOR_CLOSE(norm(x, p, axes), naive::norm(x, p, axes, false), 1e-12, 1e-14);
    }
  CHECK(norm(f64({{1.0, 2.0}, {3.0, 4.0}}), inf).item() == 4.0);
  CHECK(norm(f64({3.0, -4.0})).item() == 5.0);
  CHECK(norm(f64({3.0, -4.0}), 1.0).item() == 7.0);
  CHECK(norm(tensor({3, 4}, kInt64)).dtype() == kFloat32);
  CHECK_THROWS_WITH_AS(norm(x, 3.0), "norm: p must be 1, 2 or inf, got 3", Error);
}

TEST_CASE("reduce: sum_to folds broadcast results back to their shape") {
  Generator gen(42);
  Tensor g = randn({4, 3, 5}, gen, kFloat64);
  const std::vector<std::pair<Shape, Axes>> cases = {
      {{3, 5}, {0}}, {{3, 1}, {0, 2}}, {{1, 5}, {0, 1}}, {{4, 1, 1}, {1, 2}},
      {{1}, {}},     {{}, {}},         {{5}, {0, 1}},    {{1, 3, 1}, {0, 2}}};
  for (const auto& [shape, axes] : cases) {
    CAPTURE(shape_str(shape));
    Tensor got = sum_to(g, shape);
    CHECK(got.shape() == shape);
    CHECK_TENSOR_CLOSE(got, naive::sum(g, axes, false).reshape(shape), 1e-12, 1e-14);
  }
  CHECK(testing::bitwise_equal(sum_to(g, {4, 3, 5}), g));
  CHECK_THROWS_WITH_AS(sum_to(g, {2, 5}), doctest::Contains("sum_to: cannot fold [4,3,5] to [2,5]"),
                       Error);
  CHECK_THROWS_WITH_AS(sum_to(g, {1, 4, 3, 5}), doctest::Contains("sum_to"), Error);
}

TEST_CASE("reduce: bad axes throw naming the op") {
  Tensor x = zeros({2, 3, 4});
  CHECK_THROWS_WITH_AS(sum(x, {3}), doctest::Contains("sum: axis 3 out of range"), Error);
  CHECK_THROWS_WITH_AS(mean(x, {0, -3}), doctest::Contains("mean: duplicate axis"), Error);
  CHECK_THROWS_WITH_AS(var(x, {1, 1}), doctest::Contains("var: duplicate axis"), Error);
  CHECK_THROWS_WITH_AS(amin(x, {-4}), doctest::Contains("amin: axis -4"), Error);
  CHECK_THROWS_WITH_AS(max(x, 5), doctest::Contains("max: axis 5"), Error);
  CHECK_THROWS_WITH_AS(softmax(x, -4), doctest::Contains("softmax: axis -4"), Error);
  CHECK_THROWS_WITH_AS(logsumexp(x, {7}), doctest::Contains("logsumexp"), Error);
  CHECK_THROWS_WITH_AS(norm(x, 2.0, {0, 0}), doctest::Contains("norm: duplicate axis"), Error);
}

TEST_CASE("reduce: results are bitwise identical on 1 and 2 threads") {
  Generator gen(42);
  Tensor big = randn({3000000}, gen, kFloat32, 1.0, 1.0);
  Tensor mat = big.reshape({1500, 2000});
  Tensor tall = big.reshape({100000, 30});
  auto run = [&] {
    std::vector<Tensor> r;
    r.push_back(sum(big));
    r.push_back(sum(mat, {0}));
    r.push_back(sum(mat, {1}));
    r.push_back(sum(tall, {0}));
    r.push_back(var(mat, {0}));
    r.push_back(amax(big));
    r.push_back(logsumexp(mat, {1}));
    r.push_back(softmax(mat, 1));
    r.push_back(softmax(mat, 0));
    r.push_back(argmax(big, 0));
    r.push_back(norm(big));
    return r;
  };
  set_num_threads(1);
  auto one = run();
  set_num_threads(2);
  auto two = run();
  set_num_threads(0);
  for (std::size_t k = 0; k < one.size(); ++k) {
    CAPTURE(k);
    CHECK(testing::bitwise_equal(one[k], two[k]));
  }
  CHECK(one[0].item() == doctest::Approx(3e6).epsilon(1e-3));
}

}  // namespace minidl
