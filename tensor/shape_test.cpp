// Tests for tensor/shape.cpp: known values, then the fast paths against tensor/naive_layout.h on
// awkward shapes (copies are exact, so the comparisons are bitwise), then the error messages.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>

#include "tensor/naive_layout.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using minidl::testing::bitwise_equal;

namespace {

Tensor rand_of(const Shape& shape, DType dt, Generator& gen) {
  return dt == kInt64 ? randint(-50, 50, shape, gen) : randn(shape, gen, dt);
}

}  // namespace

TEST_CASE("shape: transpose and permute known values") {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor t = transpose(x, 0, 1);
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t.to_vector() == std::vector<double>{1, 4, 2, 5, 3, 6});
  CHECK(bitwise_equal(transpose(x, -1, -2), t));
  Tensor y = arange(24).reshape({2, 3, 4});
  Tensor p = permute(y, {2, 0, 1});
  CHECK(p.shape() == Shape{4, 2, 3});
  CHECK(p.at(1) == 4);       // p[0,0,1] = y[0,1,0]
  CHECK(p.at(6 + 3) == 13);  // p[1,1,0] = y[1,0,1]
  CHECK(!permute(y, {0, 1, 2}).shares_storage(y));
}

TEST_CASE("shape: every permutation of a 7x13x5 tensor matches the naive reference") {
  Generator gen(7);
  for (DType dt : {kFloat32, kFloat64, kInt64}) {
    Tensor x = rand_of({7, 13, 5}, dt, gen);
    Axes dims{0, 1, 2};
    do {
      CAPTURE(shape_str(dims));
      CHECK(bitwise_equal(permute(x, dims), naive::permute(x, dims)));
    } while (std::next_permutation(dims.begin(), dims.end()));
  }
}

TEST_CASE("shape: large permutations take the tiled parallel path and stay exact") {
  Generator gen(7);
  // 2-D transpose with ragged tiles, a batched transpose and a 4-D shuffle, each > one grain.
  Tensor a = randn({301, 259}, gen, kFloat32);
  CHECK(bitwise_equal(transpose(a, 0, 1), naive::permute(a, {1, 0})));
  Tensor b = randn({5, 97, 71}, gen, kFloat64);
  CHECK(bitwise_equal(permute(b, {0, 2, 1}), naive::permute(b, {0, 2, 1})));
  Tensor c = randn({6, 17, 9, 43}, gen, kFloat32);
  for (Axes dims : {Axes{3, 1, 0, 2}, Axes{1, 3, 2, 0}, Axes{0, 2, 1, 3}}) {
    CAPTURE(shape_str(dims));
    CHECK(bitwise_equal(permute(c, dims), naive::permute(c, dims)));
  }
  set_num_threads(1);
  Tensor one = permute(c, {3, 1, 0, 2});
  set_num_threads(2);
  Tensor two = permute(c, {3, 1, 0, 2});
  set_num_threads(0);
  CHECK(bitwise_equal(one, two));
}

TEST_CASE("shape: squeeze and unsqueeze are views with the expected shapes") {
  Tensor x = zeros({1, 3, 1, 2});
  CHECK(squeeze(x).shape() == Shape{3, 2});
  CHECK(squeeze(x, 2).shape() == Shape{1, 3, 2});
  CHECK(squeeze(x, -4).shape() == Shape{3, 1, 2});
  CHECK(squeeze(x, 1).shape() == Shape{1, 3, 1, 2});  // size != 1: unchanged, like PyTorch
  CHECK(unsqueeze(x, 0).shape() == Shape{1, 1, 3, 1, 2});
  CHECK(unsqueeze(x, -1).shape() == Shape{1, 3, 1, 2, 1});
  CHECK(unsqueeze(scalar_tensor(3), 0).shape() == Shape{1});
  CHECK(squeeze(x).shares_storage(x));
  CHECK_THROWS_WITH_AS(unsqueeze(x, 6), doctest::Contains("unsqueeze: axis 6 out of range"),
                       minidl::Error);
}

TEST_CASE("shape: broadcast_to materialises NumPy broadcasting") {
  Tensor x = tensor({{1}, {2}});
  Tensor y = broadcast_to(x, {2, 2, 3});
  CHECK(y.to_vector() == std::vector<double>{1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2});
  Generator gen(7);
  Tensor z = randn({3, 1, 5}, gen, kFloat64);
  CHECK(bitwise_equal(broadcast_to(z, {4, 3, 6, 5}), naive::broadcast_to(z, {4, 3, 6, 5})));
  Tensor big = randn({1, 300}, gen, kFloat32);
  CHECK(bitwise_equal(broadcast_to(big, {200, 300}), naive::broadcast_to(big, {200, 300})));
  CHECK(broadcast_to(scalar_tensor(2.5), {2, 2}).to_vector() == std::vector<double>(4, 2.5));
  CHECK_THROWS_WITH_AS(broadcast_to(z, {3, 4, 4}),
                       "broadcast_to: cannot broadcast [3,1,5] to [3,4,4]", minidl::Error);
  CHECK_THROWS_WITH_AS(broadcast_to(z, {1, 5}), "broadcast_to: cannot broadcast [3,1,5] to [1,5]",
                       minidl::Error);
}

TEST_CASE("shape: slice follows Python semantics for negative bounds and steps") {
  Tensor x = arange(10);
  CHECK(slice(x, 0, 2, 8, 3).to_vector() == std::vector<double>{2, 5});
  CHECK(slice(x, 0, -3, 100).to_vector() == std::vector<double>{7, 8, 9});
  CHECK(slice(x, 0, -100, -8).to_vector() == std::vector<double>{0, 1});
  CHECK(slice(x, 0, 6, 2).numel() == 0);
  Generator gen(7);
  Tensor y = randn({6, 11, 4}, gen, kFloat64);
  const std::int64_t bounds[] = {-20, -11, -5, -1, 0, 1, 3, 10, 11, 20};
  for (std::int64_t axis : {0, 1, -1})
    for (std::int64_t s : bounds)
      for (std::int64_t e : bounds)
        for (std::int64_t step : {1, 2, 5}) {
          CAPTURE(axis);
          CAPTURE(s);
          CAPTURE(e);
          CAPTURE(step);
          REQUIRE(bitwise_equal(slice(y, axis, s, e, step), naive::slice(y, axis, s, e, step)));
        }
  CHECK_THROWS_WITH_AS(slice(y, 1, 0, 5, 0), "slice: step must be >= 1, got 0", minidl::Error);
  CHECK_THROWS_WITH_AS(slice(y, 3, 0, 5), doctest::Contains("slice: axis 3 out of range"),
                       minidl::Error);
}

TEST_CASE("shape: narrow copies a window and checks its bounds") {
  Tensor x = arange(12).reshape({3, 4});
  CHECK(narrow(x, 1, 1, 2).to_vector() == std::vector<double>{1, 2, 5, 6, 9, 10});
  CHECK(narrow(x, 0, -1, 1).to_vector() == std::vector<double>{8, 9, 10, 11});
  CHECK_THROWS_WITH_AS(narrow(x, 1, 3, 2),
                       "narrow: [3, 5) out of range for axis 1 of size 4 in [3,4]", minidl::Error);
}

TEST_CASE("shape: concat, stack, split and chunk round trip") {
  Generator gen(7);
  Tensor a = randn({2, 3, 4}, gen, kFloat64), b = randn({2, 5, 4}, gen, kFloat64),
         c = randn({2, 0, 4}, gen, kFloat64);
  Tensor cat = concat({a, b, c}, 1);
  CHECK(cat.shape() == Shape{2, 8, 4});
  CHECK(bitwise_equal(cat, naive::concat({a, b, c}, 1)));
  CHECK(bitwise_equal(concat({a, a}, -1), naive::concat({a, a}, 2)));
  CHECK(bitwise_equal(concat({a, a}, 0), naive::concat({a, a}, 0)));
  CHECK(bitwise_equal(narrow(cat, 1, 3, 5), b));

  auto parts = split(cat, 3, 1);
  REQUIRE(parts.size() == 3);
  CHECK(parts[2].shape() == Shape{2, 2, 4});
  CHECK(bitwise_equal(parts[0], a));
  CHECK(bitwise_equal(concat(parts, 1), cat));

  Tensor s = stack({a, a, a}, 1);
  CHECK(s.shape() == Shape{2, 3, 3, 4});
  CHECK(bitwise_equal(stack({a, a}, -1), naive::concat({unsqueeze(a, 3), unsqueeze(a, 3)}, 3)));
  auto back = chunk(s, 3, 1);
  REQUIRE(back.size() == 3);
  for (const auto& t : back) CHECK(bitwise_equal(squeeze(t, 1), a));

  // torch.chunk sizes: ceil(n / chunks) each, so fewer pieces can come back.
  auto sizes = [](const std::vector<Tensor>& ts) {
    std::vector<std::int64_t> out;
    for (const auto& t : ts) out.push_back(t.shape()[0]);
    return out;
  };
  CHECK(sizes(chunk(arange(10), 4, 0)) == std::vector<std::int64_t>{3, 3, 3, 1});
  CHECK(sizes(chunk(arange(6), 4, 0)) == std::vector<std::int64_t>{2, 2, 2});
  CHECK(sizes(chunk(arange(2), 3, 0)) == std::vector<std::int64_t>{1, 1});
  CHECK(sizes(chunk(arange(0), 3, 0)) == std::vector<std::int64_t>{0, 0, 0});
  CHECK(sizes(split(arange(7), 3, 0)) == std::vector<std::int64_t>{3, 3, 1});

  // A large concat splits across threads; still exact.
  Tensor big1 = randn({3, 40000}, gen, kFloat32), big2 = randn({3, 1000}, gen, kFloat32);
  CHECK(bitwise_equal(concat({big1, big2}, 1), naive::concat({big1, big2}, 1)));
}

TEST_CASE("shape: concat and stack reject bad inputs with clear messages") {
  Tensor a = zeros({2, 3}), b = zeros({2, 4}), d = zeros({2, 3}, kFloat64);
  CHECK_THROWS_WITH_AS(concat({}, 0), "concat: empty list of tensors", minidl::Error);
  CHECK_THROWS_WITH_AS(concat({a, d}, 0), "concat: dtype mismatch, float32 at 0 vs float64 at 1",
                       minidl::Error);
  CHECK_THROWS_WITH_AS(concat({a, b}, 0),
                       "concat: shapes differ off axis 0, [2,3] at 0 vs [2,4] at 1", minidl::Error);
  CHECK(concat({a, b}, 1).shape() == Shape{2, 7});
  CHECK_THROWS_WITH_AS(stack({a, b}, 0), "stack: shapes differ, [2,3] at 0 vs [2,4] at 1",
                       minidl::Error);
  CHECK_THROWS_WITH_AS(split(a, 0, 0), "split: size must be >= 1, got 0", minidl::Error);
  CHECK_THROWS_WITH_AS(chunk(a, 0, 0), "chunk: number of chunks must be >= 1, got 0",
                       minidl::Error);
}

TEST_CASE("shape: flip reverses the given axes") {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  CHECK(flip(x, {1}).to_vector() == std::vector<double>{3, 2, 1, 6, 5, 4});
  CHECK(flip(x, {0, 1}).to_vector() == std::vector<double>{6, 5, 4, 3, 2, 1});
  Generator gen(7);
  Tensor y = randint(0, 100, {4, 7, 3, 5}, gen);
  for (Axes axes : {Axes{}, Axes{0}, Axes{-1}, Axes{1, 3}, Axes{0, 1, 2, 3}}) {
    CAPTURE(shape_str(axes));
    CHECK(bitwise_equal(flip(y, axes), naive::flip(y, axes)));
  }
  CHECK_THROWS_WITH_AS(flip(x, {1, -1}), "flip: axis -1 repeated in [1,-1]", minidl::Error);
}

TEST_CASE("shape: pad follows torch.nn.functional.pad ordering") {
  Tensor x = tensor({{1, 2}, {3, 4}});
  // (left 1, right 0) on the last axis, (top 0, bottom 1) on the first.
  Tensor p = pad(x, {1, 0, 0, 1}, 9);
  CHECK(p.shape() == Shape{3, 3});
  CHECK(p.to_vector() == std::vector<double>{9, 1, 2, 9, 3, 4, 9, 9, 9});
  Generator gen(7);
  Tensor y = randn({2, 3, 4, 5}, gen, kFloat64);
  for (const auto& pads : std::vector<std::vector<std::int64_t>>{
           {}, {2, 1}, {0, 0, 3, 0}, {1, 2, 3, 4, 0, 1}, {1, 1, 1, 1, 1, 1, 1, 1}}) {
    CAPTURE(shape_str(pads));
    CHECK(bitwise_equal(pad(y, pads, -0.5), naive::pad(y, pads, -0.5)));
  }
  Tensor i = randint(0, 9, {3, 4}, gen);
  CHECK(bitwise_equal(pad(i, {2, 2}, 7), naive::pad(i, {2, 2}, 7)));
  CHECK_THROWS_WITH_AS(pad(x, {1, -1}), "pad: negative pad (1, -1) for axis 1; pads must be >= 0",
                       minidl::Error);
  CHECK_THROWS_WITH_AS(pad(x, {1}), doctest::Contains("pad: 1 pad values for a tensor of rank 2"),
                       minidl::Error);
}
