// Bad-input table for metrics/ (issue 14): shapes that do not match, empty inputs, labels out of
// range. Each is a minidl::Error naming the metric.
#include "tests/bad_input.h"

#include "metrics/classification.h"
#include "metrics/clustering.h"
#include "tensor/ops.h"

namespace minidl::metrics {
namespace {

TEST_CASE("metrics: bad inputs are minidl::Errors naming the metric") {
  const Tensor out = zeros({4, 3});
  const Tensor labels = from_vector(std::vector<std::int64_t>{0, 1, 2, 0}, {4});
  const Tensor short_labels = from_vector(std::vector<std::int64_t>{0, 1}, {2});
  const Tensor big_labels = from_vector(std::vector<std::int64_t>{0, 1, 9, 0}, {4});
  testing::check_bad_inputs({
      {"accuracy lengths differ", [&] { accuracy(out, short_labels); }, "accuracy"},
      {"accuracy empty",
       [&] {
         accuracy(zeros({0, 3}), zeros({0}, kInt64));
       },
       "accuracy"},
      {"top-k k > classes", [&] { top_k_accuracy(out, labels, 5); }, "top_k_accuracy"},
      {"confusion label out of range", [&] { confusion_matrix(out, big_labels, 3); },
       "confusion_matrix"},
      {"kmeans k > n",
       [&] {
         kmeans(zeros({3, 2}), 5);
       },
       "kmeans"},
      {"nmi lengths differ", [&] { normalized_mutual_info(labels, short_labels); },
       "normalized_mutual_info"},
  });
}

}  // namespace
}  // namespace minidl::metrics
