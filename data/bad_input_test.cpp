// Bad-input table for data/ (issue 14): loaders, datasets and resamplers fed wrong sizes, dtypes,
// empty data and out-of-range options. Each is a minidl::Error naming the op.
#include "tests/bad_input.h"

#include "data/csv.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/loader.h"
#include "data/resample.h"
#include "tensor/ops.h"

namespace minidl::data {
namespace {

TEST_CASE("data: bad inputs are minidl::Errors naming the op") {
  const Tensor x = zeros({6, 2}), y = from_vector(std::vector<std::int64_t>{0, 0, 0, 0, 1, 1}, {6});
  testing::check_bad_inputs({
      {"loader batch size 0", [&] { DataLoader(x, y, {.batch_size = 0}); }, "batch_size"},
      {"dataset x and y lengths differ", [&] { TensorDataset(x, zeros({5}, kInt64)); },
       "TensorDataset"},
      {"smote k too large", [&] { smote(x, y, {.k_neighbors = 5}); }, "smote"},
      {"smote float labels", [&] { smote(x, zeros({6}), {}); }, "smote"},
      {"oversample empty", [&] { random_oversample(zeros({0}, kInt64)); }, "random_oversample"},
      {"idx garbage", [&] { parse_idx("\x01\x02\x03\x04", "g.idx"); }, "read_idx: g.idx"},
      {"csv nan", [&] { parse_csv("a,y\nnan,1\n"); }, "csv"},
      {"csv int64 dtype", [&] { parse_csv("a,y\n1,1\n", {.dtype = kInt64}); }, "csv"},
  });
}

}  // namespace
}  // namespace minidl::data
