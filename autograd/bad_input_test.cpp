// Bad-input table for autograd/ (issue 14): differentiable ops and the engine fed wrong shapes,
// dtypes and misuse; each is a minidl::Error naming the op.
#include "tests/bad_input.h"

#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl {
namespace {

TEST_CASE("autograd: bad inputs are minidl::Errors naming the op") {
  const Variable a(zeros({4, 3}), true), b(zeros({5, 2}), true);
  const Tensor bad_index = from_vector(std::vector<std::int64_t>{0, 9}, {2});
  testing::check_bad_inputs({
      {"matmul inner dims", [&] { matmul(a, b); }, "matmul"},
      {"add broadcast", [&] { add(a, b); }, "[4,3]"},
      {"reshape numel", [&] { reshape(a, {7}); }, "reshape"},
      {"softmax axis", [&] { softmax(a, 4); }, "softmax"},
      {"index_select out of range", [&] { index_select(a, 0, bad_index); }, "index_select"},
      {"gather float index",
       [&] {
         gather(a, 1, zeros({4, 1}));
       },
       "gather"},
      {"concat shapes",
       [&] {
         concat({a, b}, 1);
       },
       "concat"},
      {"backward of a non-scalar without a seed", [&] { backward(mul_scalar(a, 2)); }, "backward"},
      {"grad of an input not used", [&] { grad({sum(a)}, {b}); }, "grad"},
  });
}

}  // namespace
}  // namespace minidl
