// The fit loop on a tiny separable problem, evaluate/predict, progress output and TerminateOnNaN.
#include "train/fit.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "autograd/functional.h"
#include "losses/regression.h"
#include "metrics/classification.h"
#include "nn/linear.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "tensor/ops.h"
#include "train/train_test_util.h"

using namespace minidl;
using namespace minidl::train;
using minidl::train::test_support::TempDir;

namespace {

int count(const std::string& s, char c) {
  return static_cast<int>(std::count(s.begin(), s.end(), c));
}

}  // namespace

TEST_CASE("fit: a tiny separable problem is learned and the loss goes down") {
  auto model = test_support::make_mlp(3, 0.1);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  auto [x, y] = test_support::blobs(120, 1);
  auto [vx, vy] = test_support::blobs(60, 2);
  data::DataLoader train(x, y, {.batch_size = 20, .shuffle = true, .seed = 3});
  data::DataLoader val(vx, vy, {.batch_size = 32});
  History h =
      fit(*model, opt, train,
          {.epochs = 8, .val_loader = &val, .metrics = {"accuracy", "macro_f1"}, .verbose = 0});
  REQUIRE(h.logs.size() == 8);
  CHECK(h.loss().back() < 0.5 * h.loss().front());
  CHECK(h.val_loss().back() < h.val_loss().front());
  CHECK(h.val_accuracy().back() >= 0.95);
  CHECK(h.series("val_macro_f1").back() >= 0.95);
  CHECK(h.epoch == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8});
  CHECK_FALSE(h.stopped);
  CHECK(model->is_training());

  // evaluate() gives the last val_ values; predict() agrees and leaves the mode alone.
  Logs ev = evaluate(*model, val);
  CHECK(ev.at("loss") == doctest::Approx(h.val_loss().back()).epsilon(1e-12));
  CHECK(ev.at("accuracy") == h.val_accuracy().back());
  Tensor out = predict(*model, vx, 7);
  CHECK(out.shape() == Shape{60, 3});
  CHECK(metrics::accuracy(out, vy) == ev.at("accuracy"));
  CHECK(model->is_training());
}

TEST_CASE("fit: progress output off a terminal is one plain line per epoch") {
  auto model = test_support::make_mlp(3);
  optim::SGD opt(model->parameters(), {.lr = 0.05});
  auto [x, y] = test_support::blobs(200, 1);
  data::DataLoader train(x, y, {.batch_size = 4});  // 50 batches an epoch
  std::ostringstream out;
  fit(*model, opt, train, {.epochs = 3, .progress_out = &out});
  const std::string s = out.str();
  CHECK(count(s, '\n') == 3);
  CHECK(count(s, '\r') == 0);
  CHECK(s.find("\x1b") == std::string::npos);
  CHECK(s.rfind("epoch 1/3 - 50 batches - ", 0) == 0);
  CHECK(s.find(" - loss ") != std::string::npos);
  CHECK(s.find(" - accuracy ") != std::string::npos);

  std::ostringstream quiet;
  fit(*model, opt, train, {.epochs = 2, .verbose = 0, .progress_out = &quiet});
  CHECK(quiet.str().empty());
}

TEST_CASE("fit: progress on a terminal redraws one line per epoch with a carriage return") {
  auto model = test_support::make_mlp(3);
  optim::SGD opt(model->parameters(), {.lr = 0.05});
  auto [x, y] = test_support::blobs(60, 1);
  data::DataLoader train(x, y, {.batch_size = 4});
  std::ostringstream out;
  fit(*model, opt, train, {.epochs = 2, .progress_out = &out, .progress_tty = 1});
  const std::string s = out.str();
  CHECK(count(s, '\n') == 2);  // the bar is redrawn in place; each epoch ends with one newline
  CHECK(count(s, '\r') >= 2);
  CHECK(s.find("batch/s") != std::string::npos);
  CHECK(s.find("ETA") != std::string::npos);
}

TEST_CASE("fit: early stopping, TerminateOnNaN and schedules through the loop") {
  auto [x, y] = test_support::blobs(60, 1);
  data::DataLoader train(x, y, {.batch_size = 10});
  SUBCASE("TerminateOnNaN stops after the first NaN batch; the epoch still ends") {
    auto model = test_support::make_mlp(3);
    optim::SGD opt(model->parameters(), {.lr = 0.05});
    auto nan_loss = [](const Variable& out, const Tensor& t) {
      return mul(cross_entropy(out, t), std::nan(""));
    };
    auto stop = std::make_shared<TerminateOnNaN>();
    std::ostringstream out;
    History h = fit(*model, opt, train,
                    {.epochs = 5, .loss_fn = nan_loss, .callbacks = {stop}, .progress_out = &out});
    CHECK(stop->terminated());
    CHECK(h.logs.size() == 1);
    CHECK(h.stopped);
    CHECK(std::isnan(h.loss()[0]));
    CHECK(out.str().find("TerminateOnNaN: batch 0 has loss nan") != std::string::npos);
  }
  SUBCASE("EarlyStopping on the training loss with restore") {
    auto model = test_support::make_mlp(3, 0.0);
    // lr 0 and no dropout: every epoch has exactly the same loss, so it never improves.
    optim::SGD opt(model->parameters(), {.lr = 0.0});
    auto es = std::make_shared<EarlyStopping>(
        EarlyStoppingOptions{.monitor = "loss", .patience = 2, .restore_best_weights = true});
    History h = fit(*model, opt, train, {.epochs = 10, .callbacks = {es}, .verbose = 0});
    CHECK(h.logs.size() == 3);
    CHECK(es->stopped_epoch() == 3);  // epochs are numbered from 1 everywhere
    CHECK(es->best_epoch() == 1);
    CHECK(es->restored());
  }
  SUBCASE("a per-batch scheduler steps once per batch, a per-epoch one once per epoch") {
    auto model = test_support::make_mlp(3);
    optim::SGD opt(model->parameters(), {.lr = 0.1});
    optim::StepLR sched(opt, {.step_size = 1000});
    fit(*model, opt, train,
        {.epochs = 2, .scheduler = &sched, .schedule_step = ScheduleStep::kBatch, .verbose = 0});
    CHECK(sched.last_step() == 12);
    optim::StepLR per_epoch(opt, {.step_size = 1, .gamma = 0.5});
    History h = fit(*model, opt, train, {.epochs = 3, .scheduler = &per_epoch, .verbose = 0});
    CHECK(per_epoch.last_step() == 3);
    CHECK(h.lr() == std::vector<double>{0.1, 0.05, 0.025});
  }
}

TEST_CASE("fit: a regression model with its own loss and no metrics; bad options are errors") {
  Generator gen(0);
  auto model = std::make_shared<nn::Linear>(8, 1, gen);
  optim::SGD opt(model->parameters(), {.lr = 0.05});
  auto [x, labels] = test_support::blobs(40, 1);
  Tensor target = sum(x, {1}, true);  // y = sum of the features: a linear model fits it
  data::DataLoader train(x, target, {.batch_size = 8});
  auto mse = [](const Variable& out, const Tensor& t) {
    return mean(square(sub(out, Variable(t))));
  };
  History h = fit(*model, opt, train, {.epochs = 20, .loss_fn = mse, .metrics = {}, .verbose = 0});
  CHECK(h.loss().back() < 0.01 * h.loss().front());
  CHECK_FALSE(h.logs.back().count("accuracy"));
  CHECK_THROWS_WITH(fit(*model, opt, train, {.loss_fn = mse, .verbose = 0}),
                    doctest::Contains("the metrics need class scores [N, C] and int64 labels"));
  CHECK_THROWS_WITH(fit(*model, opt, train, {.metrics = {"top_accuracy"}, .verbose = 0}),
                    doctest::Contains("unknown metric 'top_accuracy'"));
  CHECK_THROWS_WITH(fit(*model, opt, train,
                        {.loss_fn = [](const Variable& o, const Tensor&) { return o; },
                         .metrics = {},
                         .verbose = 0}),
                    doctest::Contains("loss_fn must return a scalar, got shape [8,1]"));
}

TEST_CASE("fit: the default cross entropy refuses a one-column output instead of a loss of 0") {
  // A regressor [N, 1] against float targets [N, 1]: cross entropy over one class is log 1 = 0
  // for every input, so fit() with the default loss would report 0 and learn nothing.
  Generator gen(4);
  nn::Linear model(2, 1, gen);
  Tensor x = randn({16, 2}, gen), y = randn({16, 1}, gen);
  data::DataLoader train(x, y, {.batch_size = 8});
  optim::SGD opt(model.parameters(), {.lr = 0.1});
  CHECK_THROWS_WITH_AS(fit(model, opt, train, {.metrics = {}, .verbose = 0}),
                       doctest::Contains("set FitOptions::loss_fn"), Error);
  CHECK_THROWS_WITH_AS(fit(model, opt, train, {.metrics = {}, .verbose = 0}),
                       doctest::Contains("one column [8,1]"), Error);

  // A loss of losses/ plugs in by name (its default options), or as a (Variable, Variable) lambda.
  History h = fit(model, opt, train,
                  {.epochs = 5, .loss_fn = losses::mse_loss, .metrics = {}, .verbose = 0});
  CHECK(h.loss().front() > 0);
  CHECK(h.loss().back() < h.loss().front());
  LossFn lambda = [](const Variable& out, const Variable& target) {
    return losses::mse_loss(out, target);
  };
  Logs a = evaluate(model, train, lambda, {}), b = evaluate(model, train, losses::mse_loss, {});
  CHECK(a.at("loss") == b.at("loss"));
  CHECK(a.at("loss") > 0);
}

TEST_CASE("fit: distributed = true in a one-rank world is the plain fit, bit for bit") {
  // Without mpirun (or without MPI) the world is one rank: the option must change nothing, so a
  // program keeps its --distributed flag when run alone. The 2-rank checks: tests/mpi/.
  auto [x, y] = test_support::blobs(60, 4);
  std::vector<std::vector<float>> finals;
  for (bool distributed : {false, true}) {
    auto model = test_support::make_mlp(5, 0.0);
    optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
    data::DataLoader train(x, y, {.batch_size = 12, .shuffle = true, .seed = 2});
    History h = fit(*model, opt, train, {.epochs = 2, .distributed = distributed, .verbose = 0});
    CHECK(h.communication.calls == 0);
    std::vector<float> flat;
    for (const Variable& p : model->parameters()) {
      const std::vector<float> v = p.value().values<float>();
      flat.insert(flat.end(), v.begin(), v.end());
    }
    finals.push_back(flat);
  }
  CHECK(finals[0] == finals[1]);
}
