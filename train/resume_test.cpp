// Resume exactness (issue acceptance): 2 epochs, save, load in a fresh process, 1 more epoch gives
// the same weights bit for bit as 3 epochs straight (same thread count). The "fresh process" is a
// model, optimizer, scheduler and loader built from scratch (from other seeds, so only the
// checkpoint on disk can make them agree) and the checkpoint read back from the file.
#include <doctest/doctest.h>

#include "optim/adam.h"
#include "optim/schedule.h"
#include "tests/test_util.h"
#include "train/checkpoint.h"
#include "train/fit.h"
#include "train/metric_log.h"
#include "train/train_test_util.h"

using namespace minidl;
using namespace minidl::train;
using minidl::train::test_support::TempDir;

namespace {

// Everything one training process builds. The loader shuffles (seeded) and the model has dropout,
// so the batch order and the dropout masks must both resume exactly.
struct Run {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::Adam> opt;
  std::unique_ptr<optim::StepLR> sched;
  std::unique_ptr<data::DataLoader> train, val;

  explicit Run(std::uint64_t model_seed) {
    model = test_support::make_mlp(model_seed, 0.3);
    opt = std::make_unique<optim::Adam>(model->parameters(), optim::AdamOptions{.lr = 0.01});
    sched = std::make_unique<optim::StepLR>(*opt, optim::StepLROptions{.step_size = 2});
    auto [x, y] = test_support::blobs(96, 5);
    train = std::make_unique<data::DataLoader>(
        x, y, data::LoaderOptions{.batch_size = 16, .shuffle = true, .seed = 11});
    auto [vx, vy] = test_support::blobs(30, 6);
    val = std::make_unique<data::DataLoader>(vx, vy, data::LoaderOptions{.batch_size = 16});
  }

  FitOptions options(std::int64_t epochs) const {
    return {.epochs = epochs, .val_loader = val.get(), .scheduler = sched.get(), .verbose = 0};
  }
};

void check_same_bits(const nn::StateDict& a, const nn::StateDict& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, t] : a) {
    CAPTURE(name);
    REQUIRE(b.count(name));
    CHECK(minidl::testing::bitwise_equal(t, b.at(name)));
  }
}

}  // namespace

TEST_CASE("resume: 2 epochs + checkpoint + 1 epoch equals 3 epochs bit for bit") {
  TempDir dir;
  Run straight(1);
  History h3 = fit(*straight.model, *straight.opt, *straight.train, straight.options(3));
  REQUIRE(h3.logs.size() == 3);

  const std::string ckpt = dir.file("last.safetensors");
  {
    Run first(1);
    FitOptions o = first.options(2);
    o.callbacks = {std::make_shared<Checkpoint>(CheckpointOptions{.last_path = ckpt})};
    fit(*first.model, *first.opt, *first.train, o);
  }
  CHECK(checkpoint_epoch(ckpt) == 2);

  Run resumed(42);  // other weights and dropout seeds: only the checkpoint can make it match
  FitOptions o = resumed.options(3);
  o.resume_from = ckpt;
  History h1 = fit(*resumed.model, *resumed.opt, *resumed.train, o);
  REQUIRE(h1.epoch == std::vector<std::int64_t>{3});  // numbered from 1
  check_same_bits(resumed.model->state_dict(), straight.model->state_dict());
  check_same_bits(resumed.opt->state_dict(), straight.opt->state_dict());
  check_same_bits(resumed.model->generator_states(), straight.model->generator_states());
  CHECK(resumed.sched->last_step() == straight.sched->last_step());
  // The resumed epoch's logs are the straight run's third epoch's, timing aside.
  for (const char* key : {"loss", "accuracy", "val_loss", "val_accuracy", "lr"})
    CHECK(h1.logs[0].at(key) == h3.logs[2].at(key));
}

TEST_CASE("resume: the test can fail: a dropout stream not restored changes the weights") {
  TempDir dir;
  Run straight(1);
  fit(*straight.model, *straight.opt, *straight.train, straight.options(3));
  const std::string ckpt = dir.file("last.safetensors");
  {
    Run first(1);
    FitOptions o = first.options(2);
    o.callbacks = {std::make_shared<Checkpoint>(CheckpointOptions{.last_path = ckpt})};
    fit(*first.model, *first.opt, *first.train, o);
  }
  Run resumed(42);
  load_checkpoint(ckpt, {*resumed.model, resumed.opt.get(), resumed.sched.get()});
  // Rewind the dropout generator to its start: the masks of epoch 3 now differ.
  nn::StateDict gens = resumed.model->generator_states();
  for (auto& [name, t] : gens) t.data<std::int64_t>()[1] = 0;
  resumed.model->load_generator_states(gens);
  FitOptions o = resumed.options(3);
  o.initial_epoch = 2;
  fit(*resumed.model, *resumed.opt, *resumed.train, o);
  const nn::StateDict a = resumed.model->state_dict(), b = straight.model->state_dict();
  bool all_same = true;
  for (const auto& [name, t] : a)
    all_same = all_same && minidl::testing::bitwise_equal(t, b.at(name));
  CHECK_FALSE(all_same);
}

TEST_CASE("resume: callbacks and the metric log continue where they stopped") {
  TempDir dir;
  const std::string ckpt = dir.file("last.safetensors"), log = dir.file("log.jsonl");
  auto make_es = [] {
    return std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 10});
  };
  auto es_straight = make_es();
  {
    Run straight(1);
    FitOptions o = straight.options(3);
    o.callbacks = {es_straight};
    fit(*straight.model, *straight.opt, *straight.train, o);
  }
  {
    Run first(1);
    FitOptions o = first.options(2);
    o.callbacks = {make_es(), std::make_shared<Checkpoint>(CheckpointOptions{.last_path = ckpt})};
    o.log_path = log;
    fit(*first.model, *first.opt, *first.train, o);
    // An interrupted run that got one epoch further wrote a row the resume must drop.
    std::vector<Logs> rows = read_metric_log(log);
    rows.push_back({{"epoch", 3}, {"loss", 123.0}});
    write_metric_log(log, rows);
  }
  Run resumed(42);
  auto es = make_es();
  FitOptions o = resumed.options(3);
  o.resume_from = ckpt;
  o.log_path = log;
  o.callbacks = {es};
  fit(*resumed.model, *resumed.opt, *resumed.train, o);
  CHECK(es->best() == es_straight->best());
  CHECK(es->best_epoch() == es_straight->best_epoch());
  CHECK(es->wait() == es_straight->wait());
  std::vector<Logs> rows = read_metric_log(log);
  REQUIRE(rows.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(rows[i].at("epoch") == static_cast<double>(i + 1));
  CHECK(rows[2].at("loss") != 123.0);
}
