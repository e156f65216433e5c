// GradientReducer's bucket plan and the one-rank world (no mpirun): the 2-process checks of the
// averaging itself are tests/mpi/dist_checks.cpp, run by ctest under mpirun.
#include "dist/gradients.h"

#include <doctest/doctest.h>

#include "dist/comm.h"
#include "metrics/classification.h"
#include "nn/linear.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace minidl;

namespace {

Variable param(std::int64_t n, DType dtype = kFloat32) {
  return Variable(zeros({n}, dtype), /*requires_grad=*/true);
}

}  // namespace

TEST_CASE("dist reducer: buckets fill up to bucket_bytes in parameter order, one dtype each") {
  // 100 floats = 400 bytes each; 1000-byte buckets hold two.
  std::vector<Variable> ps{param(100), param(100),          param(100),          param(300),
                           param(10),  param(10, kFloat64), param(10, kFloat64), param(10)};
  dist::GradientReducer r(ps, {.bucket_bytes = 1000});
  using B = std::pair<std::size_t, std::size_t>;
  // [0,2) 800 B; [2,3) 400 B (+1200 would pass); [3,4) alone, larger than a bucket; [4,5) float32
  // before the float64 run [5,7); [7,8) float32 again.
  CHECK(r.buckets() == std::vector<B>{{0, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 7}, {7, 8}});
  dist::GradientReducer one(ps);  // 25 MiB: one bucket per dtype run
  CHECK(one.buckets() == std::vector<B>{{0, 5}, {5, 7}, {7, 8}});
  CHECK_THROWS_WITH_AS(dist::GradientReducer(ps, {.bucket_bytes = 0}),
                       doctest::Contains("bucket_bytes must be > 0"), Error);
  std::vector<Variable> labels{Variable(zeros({3}, kInt64))};
  CHECK_THROWS_WITH_AS(dist::GradientReducer(labels, {}), doctest::Contains("int64"), Error);
}

TEST_CASE("dist reducer: with one rank the gradients are left as they are") {
  REQUIRE(dist::world_size() == 1);
  CHECK_FALSE(dist::active());
  Variable p = param(4);
  p.set_grad(Variable(from_vector(std::vector<float>{1, 2, 3, 4})));
  Variable q = param(2);  // no gradient: stays without one
  dist::GradientReducer r({p, q});
  r.reduce();
  CHECK(p.grad().value().values<float>() == std::vector<float>{1, 2, 3, 4});
  CHECK_FALSE(q.grad().defined());
  CHECK(r.stats().calls == 0);
}

TEST_CASE("dist comm: the one-rank world's collectives are the identity") {
  CHECK(dist::rank() == 0);
  CHECK(dist::is_main_rank());
  std::vector<double> v{1.5, -2};
  dist::allreduce_sum(v);
  CHECK(v == std::vector<double>{1.5, -2});
  CHECK(dist::allreduce_max(3.0) == 3.0);
  CHECK(dist::allgather(std::vector<std::int64_t>{4, 5}) == std::vector<std::int64_t>{4, 5});
  Tensor t = from_vector(std::vector<float>{1, 2});
  dist::broadcast(t);
  CHECK(t.values<float>() == std::vector<float>{1, 2});
  CHECK_THROWS_WITH_AS(dist::broadcast(t, 1), doctest::Contains("root 1 out of range"), Error);
  // Without a job to end, abort_job is an exception (library code never exits).
  CHECK_THROWS_WITH_AS(dist::abort_job("boom"), doctest::Contains("boom"), Error);
  Generator gen(1);
  nn::Linear lin(3, 2, gen);
  const Tensor before = lin.parameters()[0].value().clone();
  dist::broadcast_parameters(lin);
  CHECK(lin.parameters()[0].value().values<float>() == before.values<float>());
}

TEST_CASE("classification accumulator: counts add up over a split of the samples") {
  // How dist merges ranks' metrics: counts(A) + counts(B) = counts(A u B).
  Tensor scores = from_vector(std::vector<float>{3, 1, 0, 0, 2, 1, 1, 0, 4, 2, 3, 1}, {4, 3});
  Tensor labels = from_vector(std::vector<std::int64_t>{0, 2, 2, 1});
  metrics::ClassificationAccumulator all(3, {2}), a(3, {2}), b(3, {2});
  all.update(scores, labels);
  a.update(scores.narrow_rows(0, 1), labels.narrow_rows(0, 1));
  b.update(scores.narrow_rows(1, 3), labels.narrow_rows(1, 3));
  std::vector<std::int64_t> sum = a.counts();
  const std::vector<std::int64_t> cb = b.counts();
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += cb[i];
  CHECK(sum == all.counts());
  metrics::ClassificationAccumulator merged(3, {2});
  merged.set_counts(sum);
  CHECK(merged.accuracy() == all.accuracy());
  CHECK(merged.top_k_accuracy(2) == all.top_k_accuracy(2));
  CHECK(merged.report().macro_f1 == all.report().macro_f1);
  CHECK_THROWS_WITH_AS(merged.set_counts({1, 2}), doctest::Contains("expected 11"), Error);
}
