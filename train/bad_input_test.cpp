// Bad-input table for train/ (issue 14): fit and callbacks fed impossible options, a model whose
// output does not fit the labels, a checkpoint past the requested epochs. Each is a minidl::Error.
#include "tests/bad_input.h"

#include "optim/sgd.h"
#include "tensor/file_util.h"
#include "train/checkpoint.h"
#include "train/fit.h"
#include "train/metric_log.h"
#include "train/train_test_util.h"

namespace minidl::train {
namespace {

TEST_CASE("train: bad inputs are minidl::Errors naming the op") {
  auto model = test_support::make_mlp(1);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  auto [x, y] = test_support::blobs(12, 1);
  data::DataLoader loader(x, y, {.batch_size = 4});
  data::DataLoader wide(zeros({12, 5}), y, {.batch_size = 4});
  data::DataLoader bad_labels(x, full({12}, 7.0, kInt64), {.batch_size = 4});
  test_support::TempDir dir;
  const std::string ck = dir.file("ck.safetensors");
  save_checkpoint(ck, {*model, &opt}, 5);
  const std::string deep_log = dir.file("deep.jsonl");
  write_file_atomic(deep_log, "{\"loss\": 1}\n{\"a\": " + std::string(100000, '[') + "}\n");
  testing::check_bad_inputs({
      {"negative epochs", [&] { fit(*model, opt, loader, {.epochs = -1}); }, "fit"},
      {"input features", [&] { fit(*model, opt, wide, {.epochs = 1}); }, "Linear"},
      {"labels out of range", [&] { fit(*model, opt, bad_labels, {.epochs = 1}); },
       "cross_entropy"},
      {"resume past epochs", [&] { fit(*model, opt, loader, {.epochs = 3, .resume_from = ck}); },
       "fit: the checkpoint's epoch count is 5, past epochs = 3"},
      {"early stopping negative patience", [&] { EarlyStopping({.patience = -1}); },
       "EarlyStopping"},
      {"checkpoint without paths", [&] { Checkpoint({}); }, "Checkpoint"},
      {"metric log nested 100k deep", [&] { read_metric_log(deep_log); },
       "read_metric_log: '" + deep_log + "' line 2: JSON nested deeper than 64 levels"},
      {"missing checkpoint", [&] { checkpoint_epoch(dir.file("none")); }, "none"},
  });
}

}  // namespace
}  // namespace minidl::train
