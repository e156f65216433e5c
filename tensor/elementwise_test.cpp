// Elementwise kernels (tensor/elementwise.cpp, tensor/binary.cpp): known values, dtype rules,
// broadcasting against the naive reference (tensor/naive_math.h) over every axis pattern, awkward
// shapes, where / clamp / masked_fill / in-place ops, error messages, and 1-vs-2-thread bitwise
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
Tensor i64(const NestedList& v) { return tensor(v, kInt64); }

// Every shape that broadcasts to `full`: each trailing axis either full or 1, at every rank.
std::vector<Shape> broadcast_patterns(const Shape& full) {
  std::vector<Shape> out;
  for (std::size_t rank = 0; rank <= full.size(); ++rank)
    for (unsigned mask = 0; mask < (1u << rank); ++mask) {
      Shape s;
      for (std::size_t i = 0; i < rank; ++i)
        s.push_back((mask >> i) & 1u ? 1 : full[full.size() - rank + i]);
      out.push_back(s);
    }
  return out;
}

}  // namespace

TEST_CASE("elementwise: unary ops give known values") {
  Tensor x = f64({-2.0, -0.5, 0.0, 0.5, 2.0});
  CHECK_TENSOR_CLOSE(neg(x), f64({2.0, 0.5, 0.0, -0.5, -2.0}));
  CHECK_TENSOR_CLOSE(abs(x), f64({2.0, 0.5, 0.0, 0.5, 2.0}));
  CHECK_TENSOR_CLOSE(sign(x), f64({-1, -1, 0, 1, 1}));
  CHECK_TENSOR_CLOSE(relu(x), f64({0, 0, 0, 0.5, 2}));
  CHECK_TENSOR_CLOSE(square(x), f64({4, 0.25, 0, 0.25, 4}));
  CHECK_TENSOR_CLOSE(floor(x), f64({-2, -1, 0, 0, 2}));
  CHECK_TENSOR_CLOSE(ceil(x), f64({-2, 0, 0, 1, 2}));
  // Ties go to even, like torch.round.
  CHECK_TENSOR_CLOSE(round(f64({-2.5, -0.5, 0.5, 1.5, 2.5})), f64({-2, 0, 0, 2, 2}));
  CHECK_TENSOR_CLOSE(exp(f64({0.0, 1.0})), f64({1.0, std::exp(1.0)}));
  CHECK_TENSOR_CLOSE(log(f64({1.0, std::exp(2.0)})), f64({0.0, 2.0}));
  CHECK_TENSOR_CLOSE(log1p(f64({0.0, 1e-20})), f64({0.0, 1e-20}));
  CHECK_TENSOR_CLOSE(expm1(f64({0.0, 1e-20})), f64({0.0, 1e-20}));
  CHECK_TENSOR_CLOSE(sqrt(f64({4.0, 9.0})), f64({2.0, 3.0}));
  CHECK_TENSOR_CLOSE(rsqrt(f64({4.0, 0.25})), f64({0.5, 2.0}));
  CHECK_TENSOR_CLOSE(sin(f64({0.0, M_PI / 2})), f64({0.0, 1.0}));
  CHECK_TENSOR_CLOSE(cos(f64({0.0, M_PI})), f64({1.0, -1.0}));
  CHECK_TENSOR_CLOSE(tanh(f64({0.0, kInf})), f64({0.0, 1.0}));
  CHECK_TENSOR_CLOSE(sigmoid(f64({0.0, std::log(3.0)})), f64({0.5, 0.75}));
  CHECK_TENSOR_CLOSE(reciprocal(f64({2.0, -4.0})), f64({0.5, -0.25}));
  CHECK_TENSOR_CLOSE(erf(f64({0.0, kInf, -kInf})), f64({0.0, 1.0, -1.0}));
  // NaN passes through relu (like PyTorch); sign(NaN) is 0 (PyTorch 1.13 on CPU).
  Tensor n = f64({NAN});
  CHECK(std::isnan(relu(n).item()));
  CHECK(sign(n).item() == 0.0);
}

TEST_CASE("elementwise: every unary op matches the naive reference in float32 and float64") {
  const UnaryOp ops[] = {
      UnaryOp::kNeg,        UnaryOp::kAbs,     UnaryOp::kSign,    UnaryOp::kExp,   UnaryOp::kLog,
      UnaryOp::kLog1p,      UnaryOp::kExpm1,   UnaryOp::kSqrt,    UnaryOp::kRsqrt, UnaryOp::kSin,
      UnaryOp::kCos,        UnaryOp::kTanh,    UnaryOp::kSigmoid, UnaryOp::kRelu,  UnaryOp::kSquare,
      UnaryOp::kReciprocal, UnaryOp::kFloor,   UnaryOp::kCeil,    UnaryOp::kRound, UnaryOp::kErf,
      UnaryOp::kAtan,       UnaryOp::kSoftplus};
  Generator gen(42);
  for (DType dt : {kFloat64, kFloat32}) {
    Tensor any = randn({7, 13, 5}, gen, dt, 0.0, 3.0);
    Tensor pos = rand({7, 13, 5}, gen, dt, 0.1, 3.0);
    for (UnaryOp op : ops) {
      const bool needs_pos = op == UnaryOp::kLog || op == UnaryOp::kSqrt || op == UnaryOp::kRsqrt ||
                             op == UnaryOp::kLog1p || op == UnaryOp::kReciprocal;
      Tensor x = needs_pos ? pos : any;
      CAPTURE(static_cast<int>(op));
      Tensor got = unary(op, x);
      CHECK(got.dtype() == dt);
      if (dt == kFloat64)
        CHECK_TENSOR_CLOSE(got, naive::unary(op, x), 1e-12, 1e-14);
      else
        CHECK_TENSOR_CLOSE(got, naive::unary(op, x), 1e-5, 1e-6);
    }
  }
}

TEST_CASE("elementwise: int64 inputs to floating-only ops compute in float32, others stay int64") {
  Tensor x = i64({-3, 0, 4});
  CHECK(exp(x).dtype() == kFloat32);
  CHECK(sqrt(i64({4, 9})).to_vector() == std::vector<double>{2, 3});
  CHECK(reciprocal(i64({2, 4})).to_vector() == std::vector<double>{0.5, 0.25});
  CHECK(sigmoid(x).dtype() == kFloat32);
  for (UnaryOp op : {UnaryOp::kNeg, UnaryOp::kAbs, UnaryOp::kSign, UnaryOp::kRelu, UnaryOp::kSquare,
                     UnaryOp::kFloor, UnaryOp::kCeil, UnaryOp::kRound}) {
    Tensor got = unary(op, x);
    CHECK(got.dtype() == kInt64);
    CHECK_TENSOR_CLOSE(got, naive::unary(op, x));
  }
  CHECK(abs(x).to_vector() == std::vector<double>{3, 0, 4});
  CHECK(square(x).to_vector() == std::vector<double>{9, 0, 16});
}

TEST_CASE("elementwise: float32 tanh (one double exp) is within an ulp of tanh, at any |x|") {
  std::vector<double> xs = {0.0,  -0.0, 1e-30, -1e-8, 1e-4, 0.3,  -0.9, 1.5,
                            -4.0, 9.0,  20.0,  -50.0, 1e30, kInf, -kInf};
  for (int i = -300; i <= 300; ++i) xs.push_back(i * 0.0173);
  Tensor x({static_cast<std::int64_t>(xs.size())}, kFloat32);
  for (std::size_t i = 0; i < xs.size(); ++i) x.data<float>()[i] = static_cast<float>(xs[i]);
  Tensor y = tanh(x);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    CAPTURE(xs[i]);
    const float expected = static_cast<float>(std::tanh(static_cast<double>(x.data<float>()[i])));
    const float got = y.data<float>()[i];
    CHECK(std::fabs(got - expected) <=
          std::nextafter(std::fabs(expected), 2.0f) - std::fabs(expected));
    CHECK(std::signbit(got) == std::signbit(expected));
  }
  CHECK(std::isnan(tanh(tensor({NAN}, kFloat32)).item()));
}

TEST_CASE("elementwise: leaky_relu and its backward in one pass each, NaN and 0 included") {
  for (DType dt : {kFloat32, kFloat64}) {
    CAPTURE(dtype_name(dt));
    // 20 values: a full block of 16 and a tail.
    std::vector<double> xs = {-3.0, -1e-30, 0.0,  2.0, -0.5,   7.0, -8.0,  1e-30, -2.0, 3.5,
                              -1.0, 0.25,   -4.0, 6.0, -0.125, 9.0, -10.0, 1.0,   -6.0, NAN};
    Tensor x({20}, dt), g({20}, dt);
    for (std::size_t i = 0; i < xs.size(); ++i) {
      if (dt == kFloat32) {
        x.data<float>()[i] = static_cast<float>(xs[i]);
        g.data<float>()[i] = static_cast<float>(i + 1);
      } else {
        x.data<double>()[i] = xs[i];
        g.data<double>()[i] = static_cast<double>(i + 1);
      }
    }
    const Tensor y = leaky_relu(x, 0.1), dx = leaky_relu_backward(g, x, 0.1);
    for (std::size_t i = 0; i + 1 < xs.size(); ++i) {
      CAPTURE(xs[i]);
      const double xi = x.to(kFloat64).data<double>()[i];
      CHECK(y.to(kFloat64).data<double>()[i] ==
            doctest::Approx(xi > 0 ? xi : 0.1 * xi).epsilon(1e-6));
      CHECK(dx.to(kFloat64).data<double>()[i] ==
            doctest::Approx(xi > 0 ? i + 1.0 : 0.1 * (i + 1.0)).epsilon(1e-6));
    }
    CHECK(std::isnan(y.to(kFloat64).data<double>()[19]));
    CHECK(dx.to(kFloat64).data<double>()[19] == doctest::Approx(2.0));  // slope g at NaN
  }
}

TEST_CASE("elementwise: sigmoid is stable for large |x|") {
  for (DType dt : {kFloat32, kFloat64}) {
    Tensor s = sigmoid(tensor({-1000.0, -100.0, 0.0, 100.0, 1000.0}, dt));
    for (double v : s.to_vector()) CHECK(std::isfinite(v));
    CHECK(s.at(0) == 0.0);
    CHECK(s.at(2) == 0.5);
    CHECK(s.at(3) == 1.0);
    CHECK(s.at(4) == 1.0);
  }
  CHECK(sigmoid(f64({-100.0})).item() == doctest::Approx(std::exp(-100.0)).epsilon(1e-12));
}

TEST_CASE("elementwise: binary ops give known values") {
  Tensor a = f64({1.0, 2.0, 3.0, -4.0});
  Tensor b = f64({2.0, 2.0, 2.0, 2.0});
  CHECK_TENSOR_CLOSE(add(a, b), f64({3.0, 4.0, 5.0, -2.0}));
  CHECK_TENSOR_CLOSE(sub(a, b), f64({-1.0, 0.0, 1.0, -6.0}));
  CHECK_TENSOR_CLOSE(mul(a, b), f64({2.0, 4.0, 6.0, -8.0}));
  CHECK_TENSOR_CLOSE(div(a, b), f64({0.5, 1.0, 1.5, -2.0}));
  CHECK_TENSOR_CLOSE(pow(a, b), f64({1.0, 4.0, 9.0, 16.0}));
  CHECK_TENSOR_CLOSE(maximum(a, b), f64({2.0, 2.0, 3.0, 2.0}));
  CHECK_TENSOR_CLOSE(minimum(a, b), f64({1.0, 2.0, 2.0, -4.0}));
  CHECK_TENSOR_CLOSE(eq(a, b), f64({0, 1, 0, 0}));
  CHECK_TENSOR_CLOSE(ne(a, b), f64({1, 0, 1, 1}));
  CHECK_TENSOR_CLOSE(lt(a, b), f64({1, 0, 0, 1}));
  CHECK_TENSOR_CLOSE(le(a, b), f64({1, 1, 0, 1}));
  CHECK_TENSOR_CLOSE(gt(a, b), f64({0, 0, 1, 0}));
  CHECK_TENSOR_CLOSE(ge(a, b), f64({0, 1, 1, 0}));
  // maximum / minimum propagate NaN from either side.
  Tensor m = maximum(f64({NAN, 1.0}), f64({1.0, NAN}));
  CHECK(std::isnan(m.at(0)));
  CHECK(std::isnan(m.at(1)));
  m = minimum(f64({NAN, 1.0}), f64({1.0, NAN}));
  CHECK(std::isnan(m.at(0)));
  CHECK(std::isnan(m.at(1)));
}

TEST_CASE(
    "elementwise: dtype promotion follows PyTorch and comparisons return the promoted dtype") {
  Tensor f = ones({2}, kFloat32), d = ones({2}, kFloat64), i = ones({2}, kInt64);
  CHECK(add(f, d).dtype() == kFloat64);
  CHECK(add(d, f).dtype() == kFloat64);
  CHECK(add(i, f).dtype() == kFloat32);
  CHECK(mul(f, i).dtype() == kFloat32);
  CHECK(add(i, i).dtype() == kInt64);
  CHECK(sub(i, d).dtype() == kFloat64);
  CHECK(lt(i, f).dtype() == kFloat32);
  CHECK(eq(i, i).dtype() == kInt64);
  CHECK_TENSOR_CLOSE(add(i64({1, 2}), tensor({0.5, 0.25})), tensor({1.5, 2.25}));
}

TEST_CASE("elementwise: int64 division floors and int64 pow is exact") {
  CHECK(div(i64({-7, 7, -8, 7, 0}), i64({2, 2, -3, -2, 5})).to_vector() ==
        std::vector<double>{-4, 3, 2, -4, 0});
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  Tensor q = div(from_vector(std::vector<std::int64_t>{lo}), i64({-1}));  // must not trap
  CHECK(q.values<std::int64_t>()[0] == lo);
  CHECK(pow(i64({2, 3, -2, 0, 7}), i64({10, 3, 3, 0, 1})).to_vector() ==
        std::vector<double>{1024, 27, -8, 1, 7});
  CHECK(pow(i64({3}), i64({39})).values<std::int64_t>()[0] == 4052555153018976267LL);
}

TEST_CASE(
    "elementwise: broadcasting over every axis pattern of a 3-d shape matches the naive "
    "reference") {
  const Shape full = {7, 13, 5};
  Generator gen(42);
  const auto patterns = broadcast_patterns(full);
  CHECK(patterns.size() == 15);
  for (const Shape& sa : patterns)
    for (const Shape& sb : patterns) {
      CAPTURE(shape_str(sa));
      CAPTURE(shape_str(sb));
      Tensor a = randn(sa, gen, kFloat64);
      Tensor b = rand(sb, gen, kFloat64, 0.5, 2.0);
      for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv,
                          BinaryOp::kMaximum, BinaryOp::kLt}) {
        CAPTURE(static_cast<int>(op));
        CHECK_TENSOR_CLOSE(binary(op, a, b), naive::binary(op, a, b), 1e-15, 1e-300);
      }
    }
  // Mixed dtypes and pow on a few patterns.
  Tensor a = rand({7, 1, 5}, gen, kFloat32, 0.5, 2.0);
  Tensor b = randn({13, 1}, gen, kFloat64);
  CHECK_TENSOR_CLOSE(pow(a, b), naive::binary(BinaryOp::kPow, a, b), 1e-14, 1e-300);
  CHECK_TENSOR_CLOSE(mul(b, a), naive::binary(BinaryOp::kMul, b, a), 1e-15, 1e-300);
  Tensor ia = randint(-5, 5, {7, 13, 1}, gen);
  Tensor ib = randint(1, 4, {5}, gen);
  CHECK_TENSOR_CLOSE(div(ia, ib), naive::binary(BinaryOp::kDiv, ia, ib));
  CHECK_TENSOR_CLOSE(pow(ia, ib), naive::binary(BinaryOp::kPow, ia, ib));
  CHECK_TENSOR_CLOSE(sub(ib, ia), naive::binary(BinaryOp::kSub, ib, ia));
}

TEST_CASE("elementwise: awkward and large shapes match the naive reference") {
  Generator gen(42);
  const std::vector<std::pair<Shape, Shape>> cases = {{{}, {}},
                                                      {{}, {7, 13, 5}},
                                                      {{1, 1}, {1}},
                                                      {{1, 1}, {}},
                                                      {{0, 3}, {3}},
                                                      {{0}, {}},
                                                      {{2, 0}, {2, 1}},
                                                      {{1, 16}, {1, 16}},
                                                      {{300, 257}, {257}},
                                                      {{300, 257}, {300, 1}},
                                                      {{3, 1, 2000}, {1, 12, 1}},
                                                      {{40000}, {1}},
                                                      {{1}, {40000}},
                                                      {{2, 3, 4, 5, 6}, {3, 1, 5, 1}}};
  for (const auto& shapes : cases) {  // not a binding: CAPTURE's lambda (clang < 16)
    const Shape &sa = shapes.first, &sb = shapes.second;
    CAPTURE(shape_str(sa));
    CAPTURE(shape_str(sb));
    Tensor a = randn(sa, gen, kFloat32), b = randn(sb, gen, kFloat32);
    for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kMul, BinaryOp::kGe}) {
      CHECK_TENSOR_CLOSE(binary(op, a, b), naive::binary(op, a, b), 1e-6, 1e-300);
      CHECK_TENSOR_CLOSE(binary(op, b, a), naive::binary(op, b, a), 1e-6, 1e-300);
    }
  }
  CHECK(add(zeros({0, 3}), zeros({3})).shape() == Shape{0, 3});
  CHECK(add(zeros({2, 0}), zeros({2, 1})).shape() == Shape{2, 0});
  CHECK(exp(zeros({0})).numel() == 0);
  CHECK(add(scalar_tensor(2), scalar_tensor(3)).dim() == 0);
}

TEST_CASE("elementwise: scalar right-hand side takes the tensor's dtype") {
  CHECK(add(ones({3}, kFloat32), 1.5).dtype() == kFloat32);
  CHECK_TENSOR_CLOSE(add(ones({3}, kFloat32), 1.5), full({3}, 2.5));
  Tensor i = i64({1, 2, -3});
  CHECK(add(i, 2.0).dtype() == kInt64);
  CHECK(div(i, 2.0).to_vector() == std::vector<double>{0, 1, -2});
  // A non-integral scalar would be truncated by int64; like PyTorch the result is float32.
  CHECK(mul(i, 0.5).dtype() == kFloat32);
  CHECK(mul(i, 0.5).to_vector() == std::vector<double>{0.5, 1.0, -1.5});
  CHECK(gt(i, 0.5).to_vector() == std::vector<double>{1, 1, 0});
  CHECK(pow(f64({2.0, 3.0}), 2.0).to_vector() == std::vector<double>{4, 9});
  CHECK(sub(f64({2.0}), 3.0).item() == -1.0);
  CHECK(le(f64({2.0, 3.0}), 2.0).to_vector() == std::vector<double>{1, 0});
  Generator gen(42);
  Tensor x = randn({300, 257}, gen, kFloat64);
  CHECK_TENSOR_CLOSE(mul(x, 3.0), naive::binary(BinaryOp::kMul, x, scalar_tensor(3.0, kFloat64)));
}

TEST_CASE("elementwise: errors name the op and the shapes") {
  CHECK_THROWS_WITH_AS(add(zeros({2, 3}), zeros({4})), "add: shapes [2,3] and [4] do not broadcast",
                       Error);
  CHECK_THROWS_WITH_AS(lt(zeros({2}), zeros({3, 3})), doctest::Contains("lt: shapes"), Error);
  CHECK_THROWS_WITH_AS(div(i64({1, 2}), i64({1, 0})),
                       doctest::Contains("div: integer division by zero"), Error);
  CHECK_THROWS_WITH_AS(div(i64({1, 2}), 0.0), doctest::Contains("div: integer division by zero"),
                       Error);
  CHECK_THROWS_WITH_AS(pow(i64({2}), i64({-1})), doctest::Contains("pow: integers to negative"),
                       Error);
  CHECK_THROWS_WITH_AS(pow(i64({2}), -2.0), doctest::Contains("pow:"), Error);
  CHECK_THROWS_WITH_AS(exp(Tensor()), doctest::Contains("exp"), Error);
  CHECK_THROWS_WITH_AS(broadcast_shapes({3}, {4}, "mul"),
                       "mul: shapes [3] and [4] do not broadcast", Error);
  // Float division by zero is IEEE, not an error.
  CHECK(std::isinf(div(f64({1.0}), f64({0.0})).item()));
  CHECK(broadcast_shapes({2, 1, 4}, {3, 1}) == Shape{2, 3, 4});
}

TEST_CASE("elementwise: where's blend runs match an element-by-element choice") {
  // Runs of 37 (two blocks of 16 and a tail) with the condition full and each side full, a row
  // broadcast along the run, or a scalar: the four vectorised run kinds and the strided walk.
  Generator gen(21);
  const Tensor cond = gt(randn({3, 37}, gen), 0.0);
  const Tensor full_a = randn({3, 37}, gen, kFloat64), full_b = randn({3, 37}, gen, kFloat64);
  const Tensor col_a = randn({3, 1}, gen, kFloat64), col_b = randn({3, 1}, gen, kFloat64);
  const Tensor row_b = randn({1, 37}, gen, kFloat64);  // strided: broadcast across rows only
  for (const Tensor& a : {full_a, col_a})
    for (const Tensor& b : {full_b, col_b, row_b}) {
      const Tensor w = where(cond, a, b);
      const Tensor ea = broadcast_to(a, {3, 37}), eb = broadcast_to(b, {3, 37});
      for (std::int64_t i = 0; i < 3 * 37; ++i)
        CHECK(w.at(i) == (cond.at(i) != 0 ? ea.at(i) : eb.at(i)));
    }
  // NaN on the side not chosen does not leak through the blend.
  const Tensor nan_b = full({3, 37}, NAN, kFloat64);
  const Tensor all = ones({3, 37});
  CHECK(testing::bitwise_equal(where(all, full_a, nan_b), full_a));
}

TEST_CASE("elementwise: where, clamp and masked_fill broadcast and keep NaN") {
  Tensor cond = tensor({{1.0}, {0.0}, {2.0}});          // [3,1]
  Tensor a = tensor({{1.0, 2.0, 3.0, 4.0}}, kFloat32);  // [1,4]
  Tensor b = scalar_tensor(-1.0, kFloat64);
  Tensor w = where(cond, a, b);
  CHECK(w.dtype() == kFloat64);
  CHECK(w.shape() == Shape{3, 4});
  CHECK(w.to_vector() == std::vector<double>{1, 2, 3, 4, -1, -1, -1, -1, 1, 2, 3, 4});
  CHECK(where(i64({0, 1}), i64({5, 6}), i64({7, 8})).to_vector() == std::vector<double>{7, 6});

  Tensor x = f64({-2.0, 0.5, NAN, 3.0});
  Tensor c = clamp(x, 0.0, 1.0);
  CHECK(c.at(0) == 0.0);
  CHECK(c.at(1) == 0.5);
  CHECK(std::isnan(c.at(2)));
  CHECK(c.at(3) == 1.0);
  CHECK(clamp(x, 0.0, std::nullopt).at(3) == 3.0);
  CHECK(clamp(x, std::nullopt, 0.0).at(0) == -2.0);
  CHECK(clamp(f64({0.5}), 2.0, 1.0).item() == 1.0);  // lo > hi gives hi, like PyTorch
  CHECK(clamp(i64({-5, 0, 5}), -1.5, 2.5).to_vector() == std::vector<double>{-1, 0, 2});
  CHECK_THROWS_WITH_AS(clamp(x, NAN, 1.0), doctest::Contains("clamp"), Error);

  Tensor m = masked_fill(zeros({2, 3}), tensor({1.0, 0.0, 1.0}), 7.0);
  CHECK(m.to_vector() == std::vector<double>{7, 0, 7, 7, 0, 7});
  m = masked_fill(ones({2, 3}, kInt64), i64({{0}, {1}}), -1.0);
  CHECK(m.to_vector() == std::vector<double>{1, 1, 1, -1, -1, -1});
  CHECK_THROWS_WITH_AS(masked_fill(zeros({3}), zeros({2, 3}), 1.0),
                       doctest::Contains("masked_fill: mask [2,3] does not broadcast to x [3]"),
                       Error);
}

TEST_CASE("elementwise: add_ and mul_ update the left operand in place with broadcasting") {
  Tensor a = f64({{1.0, 2.0}, {3.0, 4.0}});
  Tensor alias = a;
  add_(a, f64({10.0, 20.0}), 0.5);
  CHECK(alias.to_vector() == std::vector<double>{6, 12, 8, 14});
  mul_(a, f64({{2.0}, {-1.0}}));
  CHECK(a.to_vector() == std::vector<double>{12, 24, -8, -14});
  mul_(a, 0.5);
  CHECK(a.to_vector() == std::vector<double>{6, 12, -4, -7});
  add_(a, a);  // b aliases a
  CHECK(a.to_vector() == std::vector<double>{12, 24, -8, -14});
  Tensor rows = f64({1.0, 2.0, 3.0});
  Tensor tail = rows.narrow_rows(1, 2), head = rows.narrow_rows(0, 2);
  add_(tail, head);  // overlapping views read the old values
  CHECK(rows.to_vector() == std::vector<double>{1, 3, 5});
  Tensor f = zeros({2}, kFloat64);
  add_(f, tensor({1.5, 2.5}, kFloat32));  // float32 into float64 is fine
  CHECK(f.to_vector() == std::vector<double>{1.5, 2.5});
  Tensor i = i64({1, 2});
  add_(i, i64({3, 4}), 2.0);
  CHECK(i.to_vector() == std::vector<double>{7, 10});
  CHECK_THROWS_WITH_AS(add_(i, tensor({1.0, 2.0})), doctest::Contains("add_"), Error);
  CHECK_THROWS_WITH_AS(add_(f, zeros({3, 2}, kFloat64)),
                       doctest::Contains("add_: b [3,2] does not broadcast into a [2]"), Error);
  CHECK_THROWS_WITH_AS(mul_(i, 0.5), doctest::Contains("mul_"), Error);
  Generator gen(42);
  Tensor big = randn({300, 257}, gen, kFloat64), bias = randn({257}, gen, kFloat64);
  Tensor expect = naive::binary(BinaryOp::kSub, big, bias);
  add_(big, bias, -1.0);
  CHECK_TENSOR_CLOSE(big, expect, 1e-15, 1e-300);
}

TEST_CASE("elementwise: results are bitwise identical on 1 and 2 threads") {
  Generator gen(42);
  Tensor a = randn({1000, 1500}, gen, kFloat32);
  Tensor b = randn({1000, 1500}, gen, kFloat32);
  Tensor row = randn({1500}, gen, kFloat32);
  auto run = [&] {
    std::vector<Tensor> r;
    r.push_back(add(a, b));
    r.push_back(mul(a, row));
    r.push_back(exp(a));
    r.push_back(sigmoid(a));
    r.push_back(pow(abs(a), 1.5));
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
  CHECK_TENSOR_CLOSE(one[0].narrow_rows(0, 3),
                     naive::binary(BinaryOp::kAdd, a.narrow_rows(0, 3), b.narrow_rows(0, 3)));
}

}  // namespace minidl
