// Tests for tensor/index.cpp: known values, the naive references of tensor/naive_layout.h, the
// adjoint pairs (index_select / index_add, gather / scatter_add), determinism and error messages.
#include <doctest/doctest.h>

#include "tensor/naive_layout.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;
using minidl::testing::bitwise_equal;

namespace {

double dot(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double s = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) s += a.at(i) * b.at(i);
  return s;
}

}  // namespace

TEST_CASE("index: index_select known values and the naive reference") {
  Tensor x = tensor({{1, 2, 3}, {4, 5, 6}});
  Tensor idx = from_vector(std::vector<std::int64_t>{2, 0, 2});
  CHECK(index_select(x, 1, idx).to_vector() == std::vector<double>{3, 1, 3, 6, 4, 6});
  CHECK(index_select(x, 0, from_vector(std::vector<std::int64_t>{1})).to_vector() ==
        std::vector<double>{4, 5, 6});
  Generator gen(7);
  Tensor y = randn({4, 6, 5}, gen, kFloat64);
  for (std::int64_t axis : {0, 1, 2, -1}) {
    CAPTURE(axis);
    Tensor i = randint(0, y.size(axis), {9}, gen);
    CHECK(bitwise_equal(index_select(y, axis, i), naive::index_select(y, axis, i)));
  }
  CHECK(index_select(y, 1, from_vector(std::vector<std::int64_t>{})).shape() == Shape{4, 0, 5});
}

TEST_CASE("index: index_add is the adjoint of index_select") {
  Generator gen(7);
  for (std::int64_t axis : {0, 1, 2}) {
    CAPTURE(axis);
    Tensor v = randn({5, 4, 6}, gen, kFloat64);
    Tensor i = randint(0, v.size(axis), {7}, gen);  // duplicates likely
    Shape ushape = v.shape();
    ushape[static_cast<std::size_t>(axis)] = 7;
    Tensor u = randn(ushape, gen, kFloat64);
    Tensor added = index_add(zeros_like(v), axis, i, u);
    CHECK(dot(added, v) == doctest::Approx(dot(u, index_select(v, axis, i))).epsilon(1e-12));
  }
  Tensor x = ones({3, 2});
  Tensor got = index_add(x, 0, from_vector(std::vector<std::int64_t>{2, 0, 2}),
                         tensor({{1, 2}, {3, 4}, {5, 6}}));
  CHECK(got.to_vector() == std::vector<double>{4, 5, 1, 1, 7, 9});
  CHECK(x.to_vector() == std::vector<double>(6, 1.0));  // input untouched
}

TEST_CASE("index: gather known values and the naive reference on every axis") {
  // torch.gather docs example: t = [[1,2],[3,4]], gather(t, 1, [[0,0],[1,0]]) = [[1,1],[4,3]].
  Tensor t = tensor({{1, 2}, {3, 4}});
  Tensor idx = from_vector(std::vector<std::int64_t>{0, 0, 1, 0}, {2, 2});
  CHECK(gather(t, 1, idx).to_vector() == std::vector<double>{1, 1, 4, 3});
  CHECK(take_along_axis(t, idx, 0).to_vector() == std::vector<double>{1, 2, 3, 2});
  Generator gen(7);
  Tensor x = randn({5, 6, 7}, gen, kFloat32);
  for (std::int64_t axis : {0, 1, 2}) {
    CAPTURE(axis);
    // Index smaller than x off the axis, longer than x along it.
    Shape ishape{4, 5, 3};
    ishape[static_cast<std::size_t>(axis)] = 9;
    Tensor i = randint(0, x.size(axis), ishape, gen);
    CHECK(bitwise_equal(gather(x, axis, i), naive::gather(x, axis, i)));
  }
  Tensor big = randn({64, 700}, gen, kFloat64);
  Tensor bi = randint(0, 700, {64, 600}, gen);
  CHECK(bitwise_equal(gather(big, 1, bi), naive::gather(big, 1, bi)));
}

TEST_CASE("index: scatter_add matches the naive reference and is the adjoint of gather") {
  Generator gen(7);
  Tensor x = randn({5, 6, 7}, gen, kFloat64);
  for (std::int64_t axis : {0, 1, 2}) {
    CAPTURE(axis);
    Shape ishape{4, 5, 3};
    ishape[static_cast<std::size_t>(axis)] = 9;
    Tensor i = randint(0, x.size(axis), ishape, gen);
    Tensor u = randn(ishape, gen, kFloat64);
    CHECK_TENSOR_CLOSE(scatter_add(x, axis, i, u), naive::scatter_add(x, axis, i, u), 1e-14, 1e-14);
    // <scatter_add(0, idx, u), v> == <u, gather(v, idx)>
    Tensor v = randn(x.shape(), gen, kFloat64);
    CHECK(dot(scatter_add(zeros_like(x), axis, i, u), v) ==
          doctest::Approx(dot(u, gather(v, axis, i))).epsilon(1e-12));
  }
  Tensor known =
      scatter_add(zeros({2, 3}), 1, from_vector(std::vector<std::int64_t>{0, 0, 2, 1}, {2, 2}),
                  tensor({{1, 2}, {3, 4}}));
  CHECK(known.to_vector() == std::vector<double>{3, 0, 0, 0, 4, 3});
  Tensor ints = scatter_add(zeros({3}, kInt64), 0, from_vector(std::vector<std::int64_t>{1, 1, 1}),
                            from_vector(std::vector<std::int64_t>{5, 6, 7}));
  CHECK(ints.to_vector() == std::vector<double>{0, 18, 0});
}

TEST_CASE("index: scatter_add and index_add are bitwise identical on 1 and 2 threads") {
  Generator gen(7);
  // Many collisions along each axis and enough slices to span several chunks.
  Tensor x = randn({300, 257}, gen, kFloat32);
  Tensor i0 = randint(0, 3, {300, 257}, gen), i1 = randint(0, 5, {300, 257}, gen);
  Tensor u = randn({300, 257}, gen, kFloat32);
  Tensor sel0 = randint(0, 4, {300}, gen), sel1 = randint(0, 2, {257}, gen);
  auto run = [&] {
    return std::vector<Tensor>{scatter_add(x, 0, i0, u), scatter_add(x, 1, i1, u),
                               index_add(x, 0, sel0, u), index_add(x, 1, sel1, u)};
  };
  set_num_threads(1);
  auto one = run();
  set_num_threads(2);
  auto two = run();
  set_num_threads(0);
  for (std::size_t k = 0; k < one.size(); ++k) {
    CAPTURE(k);
    CHECK(bitwise_equal(one[k], two[k]));
  }
  CHECK_TENSOR_CLOSE(one[0], naive::scatter_add(x, 0, i0, u), 1e-5, 1e-4);
}

TEST_CASE("index: one_hot and nonzero") {
  Tensor labels = from_vector(std::vector<std::int64_t>{2, 0, 1, 2}, {2, 2});
  Tensor oh = one_hot(labels, 3);
  CHECK(oh.dtype() == kInt64);
  CHECK(oh.shape() == Shape{2, 2, 3});
  CHECK(oh.to_vector() == std::vector<double>{0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1});
  CHECK_THROWS_WITH_AS(one_hot(from_vector(std::vector<std::int64_t>{0, 3}), 3),
                       "one_hot: label 3 out of range [0, 3) for num_classes 3", minidl::Error);
  CHECK_THROWS_WITH_AS(one_hot(from_vector(std::vector<std::int64_t>{-1}), 3),
                       "one_hot: label -1 out of range [0, 3) for num_classes 3", minidl::Error);
  CHECK_THROWS_WITH_AS(one_hot(tensor({0, 1}), 3), "one_hot: labels must be int64, got float32",
                       minidl::Error);

  Tensor x = tensor({{0, 1.5, 0}, {-2, 0, 3}});
  Tensor nz = nonzero(x);
  CHECK(nz.dtype() == kInt64);
  CHECK(nz.shape() == Shape{3, 2});
  CHECK(nz.to_vector() == std::vector<double>{0, 1, 1, 0, 1, 2});
  CHECK(nonzero(zeros({4})).shape() == Shape{0, 1});
  CHECK(nonzero(scalar_tensor(5)).shape() == Shape{1, 0});
}

TEST_CASE("index: bad indices throw naming the op, index, axis and size") {
  Tensor x = zeros({3, 5});
  Tensor bad = from_vector(std::vector<std::int64_t>{0, 7, 1, 2, 3, 4}, {3, 2});
  CHECK_THROWS_WITH_AS(gather(x, 1, bad), "gather: index 7 out of range for axis 1 of size 5",
                       minidl::Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 1, bad, zeros({3, 2})),
                       "scatter_add: index 7 out of range for axis 1 of size 5", minidl::Error);
  Tensor neg = from_vector(std::vector<std::int64_t>{1, -1});
  CHECK_THROWS_WITH_AS(index_select(x, 0, neg),
                       "index_select: index -1 out of range for axis 0 of size 3", minidl::Error);
  CHECK_THROWS_WITH_AS(index_add(x, -1, from_vector(std::vector<std::int64_t>{5}), zeros({3, 1})),
                       "index_add: index 5 out of range for axis 1 of size 5", minidl::Error);
  Tensor fidx = zeros({3, 2});
  CHECK_THROWS_WITH_AS(gather(x, 1, fidx), "gather: index must be int64, got float32",
                       minidl::Error);
  CHECK_THROWS_WITH_AS(index_select(x, 0, fidx.reshape({6})),
                       "index_select: index must be int64, got float32", minidl::Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 0, fidx, fidx),
                       "scatter_add: index must be int64, got float32", minidl::Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, from_vector(std::vector<std::int64_t>{0}, {1, 1, 1})),
                       doctest::Contains("gather: index rank 3 differs from x rank 2"),
                       minidl::Error);
  CHECK_THROWS_WITH_AS(gather(x, 1, zeros({4, 1}, kInt64)),
                       "gather: index [4,1] larger than x [3,5] on axis 0", minidl::Error);
  CHECK_THROWS_WITH_AS(scatter_add(x, 1, zeros({3, 2}, kInt64), zeros({3, 3})),
                       "scatter_add: index [3,2] and src [3,3] must have the same shape",
                       minidl::Error);
}
