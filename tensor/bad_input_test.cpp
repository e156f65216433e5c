// Bad-input table for tensor/ (issue 14): wrong shapes, dtypes, empty inputs, out-of-range axes and
// indices, sizes that cannot be allocated. Also: int64 arithmetic wraps modulo 2^64 like PyTorch
// (documented in tensor/ops.h) instead of being C++ undefined behaviour.
#include "tests/bad_input.h"

#include <cstdint>
#include <limits>

#include "tensor/ops.h"

namespace minidl {
namespace {

TEST_CASE("tensor: bad inputs are minidl::Errors naming the op") {
  const Tensor a = zeros({4, 3}), b = zeros({5, 2}),
               idx = from_vector(std::vector<std::int64_t>{0, 7}, {2});
  testing::check_bad_inputs({
      {"matmul inner dims", [&] { matmul(a, b); }, "matmul"},
      {"reshape numel", [&] { a.reshape({5}); }, "reshape"},
      {"negative dim",
       [&] {
         zeros({-1, 2});
       },
       "negative dimension"},
      {"ones 2^40 (4 TiB)", [&] { ones({std::int64_t{1} << 40}); },
       "tensor: cannot allocate 4398046511104 bytes for shape [1099511627776] (float32)"},
      {"broadcast", [&] { add(a, b); }, "[4,3]"},
      {"sum axis", [&] { sum(a, {2}); }, "sum"},
      {"softmax axis", [&] { softmax(a, 5); }, "softmax"},
      {"slice axis", [&] { slice(a, 3, 0, 1); }, "slice"},
      {"concat shapes",
       [&] {
         concat({a, b}, 0);
       },
       "concat"},
      {"index_select out of range", [&] { index_select(a, 0, idx); }, "index_select"},
      {"index_select float index", [&] { index_select(a, 0, zeros({2})); }, "index_select"},
      {"gather out of range",
       [&] {
         gather(a, 1,
                from_vector(std::vector<std::int64_t>{0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0}, {4, 3}));
       },
       "gather"},
      {"one_hot label >= classes", [&] { one_hot(idx, 3); }, "one_hot"},
      {"amax of an empty axis",
       [&] {
         amax(zeros({0, 3}), {0});
       },
       "amax: reduction over an empty axis"},
      {"int64 division by zero",
       [&] {
         div(from_vector(std::vector<std::int64_t>{1}, {1}),
             from_vector(std::vector<std::int64_t>{0}, {1}));
       },
       "div: integer division by zero"},
      {"permute dims",
       [&] {
         permute(a, {0, 0});
       },
       "permute"},
      {"pad list",
       [&] {
         pad(a, {1, 1, 1});
       },
       "pad"},
  });
}

TEST_CASE("tensor: int64 sum, add and matmul wrap modulo 2^64 like PyTorch") {
  constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  const Tensor big = from_vector(std::vector<std::int64_t>{kMax, 1}, {2});
  CHECK(sum(big).values<std::int64_t>()[0] == kMin);
  CHECK(add(big, big).values<std::int64_t>() == std::vector<std::int64_t>{-2, 2});
  const Tensor row = from_vector(std::vector<std::int64_t>{kMax, kMax}, {1, 2});
  const Tensor col = from_vector(std::vector<std::int64_t>{1, 1}, {2, 1});
  CHECK(matmul(row, col).values<std::int64_t>()[0] == -2);
}

}  // namespace
}  // namespace minidl
