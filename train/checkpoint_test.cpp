// Checkpoints: round trip, atomic writes, corrupt files and all-or-nothing loading.
#include "train/checkpoint.h"

#include <doctest/doctest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>

#include "autograd/tape.h"
#include "nn/safetensors.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "tensor/file_util.h"
#include "tests/test_util.h"
#include "train/fit.h"
#include "train/train_test_util.h"

using namespace minidl;
using namespace minidl::train;
using minidl::train::test_support::TempDir;

namespace {

namespace fs = std::filesystem;

// One Adam step on a batch, so the optimizer has moments and the dropout generator has moved.
void one_step(nn::Module& model, optim::Optimizer& opt, std::uint64_t seed) {
  auto [x, y] = test_support::blobs(12, seed);
  model.train();
  opt.zero_grad();
  backward(cross_entropy(model(Variable(x)), y));
  opt.step();
}

bool same_state(const nn::StateDict& a, const nn::StateDict& b) {
  if (a.size() != b.size()) return false;
  for (const auto& [k, v] : a)
    if (!b.count(k) || !minidl::testing::bitwise_equal(v, b.at(k))) return false;
  return true;
}

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

TEST_CASE("checkpoint: round trip of model, generators, optimizer, scheduler and callbacks") {
  TempDir dir;
  auto model = test_support::make_mlp(1);
  optim::Adam opt(model->parameters(), {.lr = 0.01});
  optim::StepLR sched(opt, {.step_size = 1, .gamma = 0.5});
  EarlyStopping es({.patience = 4});
  TrainContext ctx{*model};
  es.on_train_begin(ctx);
  es.on_epoch_end(ctx, 1, {{"val_loss", 0.75}});
  one_step(*model, opt, 7);
  sched.step();
  save_checkpoint(dir.file("c.safetensors"), {*model, &opt, &sched, nullptr, {&es}}, 5);

  auto fresh = test_support::make_mlp(99);  // other initial weights and dropout seed
  optim::Adam fresh_opt(fresh->parameters(), {.lr = 0.01});
  optim::StepLR fresh_sched(fresh_opt, {.step_size = 1, .gamma = 0.5});
  EarlyStopping fresh_es({.patience = 4});
  CHECK(checkpoint_epoch(dir.file("c.safetensors")) == 5);
  CHECK(load_checkpoint(dir.file("c.safetensors"),
                        {*fresh, &fresh_opt, &fresh_sched, nullptr, {&fresh_es}}) == 5);
  CHECK(same_state(fresh->state_dict(), model->state_dict()));
  CHECK(same_state(fresh->generator_states(), model->generator_states()));
  CHECK(same_state(fresh_opt.state_dict(), opt.state_dict()));
  CHECK(same_state(fresh_sched.state_dict(), sched.state_dict()));
  CHECK(fresh_opt.lr() == opt.lr());
  CHECK(fresh_es.best() == 0.75);
}

TEST_CASE("checkpoint: a truncated or foreign file is a clear error and changes nothing") {
  TempDir dir;
  auto model = test_support::make_mlp(1);
  optim::Adam opt(model->parameters());
  one_step(*model, opt, 3);
  const std::string path = dir.file("c.safetensors");
  save_checkpoint(path, {*model, &opt}, 2);

  auto fresh = test_support::make_mlp(2);
  optim::Adam fresh_opt(fresh->parameters());
  const nn::StateDict before = fresh->state_dict();
  {
    std::string bytes = read_file(path);
    write_file_atomic(dir.file("cut.safetensors"), bytes.substr(0, bytes.size() / 2));
  }
  CHECK_THROWS_WITH(load_checkpoint(dir.file("cut.safetensors"), {*fresh, &fresh_opt}),
                    doctest::Contains("cut.safetensors"));
  CHECK_THROWS_WITH(load_checkpoint(dir.file("none.safetensors"), {*fresh, &fresh_opt}),
                    doctest::Contains("none.safetensors"));
  nn::save_weights(*model, dir.file("weights.safetensors"));
  CHECK_THROWS_WITH(load_checkpoint(dir.file("weights.safetensors"), {*fresh, &fresh_opt}),
                    doctest::Contains("is not a minidl checkpoint"));
  CHECK(same_state(fresh->state_dict(), before));
}

TEST_CASE("checkpoint: a load failing halfway puts the model back") {
  TempDir dir;
  auto model = test_support::make_mlp(1);
  optim::Adam opt(model->parameters());
  one_step(*model, opt, 3);
  const std::string path = dir.file("c.safetensors");
  save_checkpoint(path, {*model, &opt}, 1);

  // The model part loads, then the optimizer kind differs (Adam saved, SGD asked): all undone.
  auto fresh = test_support::make_mlp(2);
  optim::SGD sgd(fresh->parameters(), {.lr = 0.1});
  const nn::StateDict before = fresh->state_dict();
  const nn::StateDict gens_before = fresh->generator_states();
  CHECK_THROWS_WITH(load_checkpoint(path, {*fresh, &sgd}), doctest::Contains("c.safetensors"));
  CHECK(same_state(fresh->state_dict(), before));
  CHECK(same_state(fresh->generator_states(), gens_before));

  // A scheduler asked for but not saved.
  optim::Adam adam(fresh->parameters());
  optim::StepLR sched(adam, {.step_size = 2});
  CHECK_THROWS_WITH(load_checkpoint(path, {*fresh, &adam, &sched}),
                    doctest::Contains("has no scheduler state"));
  CHECK(same_state(fresh->state_dict(), before));

  // Another architecture: every mismatch is named.
  Generator gen(0);
  nn::Linear other(8, 3, gen);
  CHECK_THROWS_WITH(load_checkpoint(path, {other}), doctest::Contains("missing"));
}

TEST_CASE("checkpoint: saves replace the file whole and leave no temporary file") {
  TempDir dir;
  auto model = test_support::make_mlp(1);
  optim::Adam opt(model->parameters());
  const std::string path = dir.file("last.safetensors");
  for (int i = 0; i < 3; ++i) {
    one_step(*model, opt, static_cast<std::uint64_t>(i));
    save_checkpoint(path, {*model, &opt}, i + 1);
  }
  CHECK(files_in(dir.path) == std::vector<std::string>{"last.safetensors"});
  CHECK(checkpoint_epoch(path) == 3);

  // A save that cannot write (a file-size limit below the checkpoint's size: write fails with
  // EFBIG, which works for root too, unlike a read-only directory) fails and leaves the previous
  // checkpoint intact and no temporary behind.
  {
    struct rlimit old_limit {};
    ::getrlimit(RLIMIT_FSIZE, &old_limit);
    auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = old_limit;
    small.rlim_cur = 64;
    ::setrlimit(RLIMIT_FSIZE, &small);
    one_step(*model, opt, 9);
    CHECK_THROWS_WITH_AS(save_checkpoint(path, {*model, &opt}, 4), doctest::Contains("failed"),
                         Error);
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    std::signal(SIGXFSZ, old_handler);
  }
  CHECK(files_in(dir.path) == std::vector<std::string>{"last.safetensors"});
  CHECK(checkpoint_epoch(path) == 3);
}

TEST_CASE("checkpoint: the callback writes last every epoch and best on improvement") {
  TempDir dir;
  auto model = test_support::make_mlp(1);
  optim::Adam opt(model->parameters());
  Checkpoint cp({.last_path = dir.file("last.safetensors"),
                 .best_path = dir.file("best.safetensors"),
                 .monitor = "val_accuracy"});
  TrainContext ctx{*model, &opt};
  ctx.callbacks = {&cp};
  cp.on_train_begin(ctx);
  const std::vector<double> acc = {0.5, 0.7, 0.6, 0.7};  // 0.7 again is not better
  for (std::int64_t e = 1; e <= 4; ++e) {  // epochs numbered from 1, as fit() calls it
    cp.on_epoch_end(ctx, e, {{"val_accuracy", acc[static_cast<std::size_t>(e - 1)]}});
    CHECK(checkpoint_epoch(dir.file("last.safetensors")) == e);
  }
  CHECK(checkpoint_epoch(dir.file("best.safetensors")) == 2);
  CHECK(cp.best() == 0.7);
  CHECK(cp.best_epoch() == 2);
  CHECK_THROWS_WITH(Checkpoint({}), doctest::Contains("set last_path, best_path or both"));
}
