// LR schedules beyond the PyTorch sequences of torch_fixture_test.cpp: closed forms by hand,
// state round trips mid-schedule, OneCycleLR's end and its momentum requirement, plateau counters,
// and argument checks.
#include "optim/schedule.h"

#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/sgd.h"

namespace minidl::optim {
namespace {

Variable param() { return Variable(zeros({2}, kFloat64), true); }

void throws_with(const std::function<void()>& fn, const std::string& text) {
  try {
    fn();
    FAIL("no error; expected: ", text);
  } catch (const Error& e) {
    CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, e.what());
  }
}

TEST_CASE("schedule: StepLR and MultiStepLR by hand") {
  SGD opt({param()}, {.lr = 0.8});
  StepLR step(opt, {.step_size = 3, .gamma = 0.5});
  std::vector<double> got = {opt.lr()};
  for (int k = 0; k < 7; ++k) {
    step.step();
    got.push_back(opt.lr());
  }
  CHECK(got == std::vector<double>{0.8, 0.8, 0.8, 0.4, 0.4, 0.4, 0.2, 0.2});
  CHECK(step.last_step() == 7);
  CHECK(step.last_lr() == std::vector<double>{0.2});

  SGD opt2({param()}, {.lr = 1.0});
  MultiStepLR multi(opt2, {.milestones = {4, 2, 4}, .gamma = 0.5});
  CHECK(multi.lr_at(0, 1) == 1.0);
  CHECK(multi.lr_at(0, 2) == 0.5);
  CHECK(multi.lr_at(0, 3) == 0.5);
  CHECK(multi.lr_at(0, 4) == 0.125);  // 4 is listed twice
}

TEST_CASE("schedule: LinearWarmup hands over to the next schedule, restarted at 0") {
  SGD opt({param()}, {.lr = 1.0});
  auto cosine = std::make_unique<CosineAnnealingLR>(opt, CosineAnnealingLROptions{.t_max = 4});
  LinearWarmup warm(opt, {.warmup_steps = 4, .start_factor = 0.2}, std::move(cosine));
  CHECK(opt.lr() == doctest::Approx(0.2));
  std::vector<double> want = {0.4, 0.6, 0.8, 1.0, 0.5 * (1 + std::cos(std::numbers::pi / 4)), 0.5};
  for (double w : want) {
    warm.step();
    CHECK(opt.lr() == doctest::Approx(w).epsilon(1e-15));
  }
  SGD other({param()}, {.lr = 1.0});
  auto foreign = std::make_unique<StepLR>(other, StepLROptions{.step_size = 1});
  throws_with([&] { LinearWarmup(opt, {}, std::move(foreign)); }, "drives a different optimizer");
  throws_with([&] { LinearWarmup(opt, {.start_factor = 0.0}); }, "invalid start_factor 0");
}

TEST_CASE("schedule: a schedule resumed from its state dict continues exactly") {
  auto make = [](SGD& opt) {
    auto cosine = std::make_unique<CosineAnnealingLR>(
        opt, CosineAnnealingLROptions{.t_max = 10, .eta_min = 1e-3});
    return std::make_unique<LinearWarmup>(opt, LinearWarmupOptions{.warmup_steps = 3},
                                          std::move(cosine));
  };
  SGD a({param()}, {.lr = 0.1});
  auto sa = make(a);
  for (int k = 0; k < 7; ++k) sa->step();
  const StateDict opt_state = a.state_dict();
  const StateDict sched_state = sa->state_dict();
  CHECK(sched_state.count("after.kind.cosine_annealing_lr") == 1);

  SGD b({param()}, {.lr = 0.1});
  auto sb = make(b);
  sb->load_state_dict(sched_state);
  b.load_state_dict(opt_state);
  CHECK(sb->last_step() == 7);
  CHECK(b.lr() == a.lr());
  for (int k = 0; k < 10; ++k) {
    sa->step();
    sb->step();
    CHECK(b.lr() == a.lr());
  }
  SGD c({param()}, {.lr = 0.1});
  StepLR other(c, {.step_size = 2, .gamma = 0.5});
  throws_with([&] { other.load_state_dict(sched_state); }, "the state is for 'linear_warmup'");
  StepLR gamma(c, {.step_size = 2, .gamma = 0.25});
  throws_with([&] { gamma.load_state_dict(other.state_dict()); }, "gamma differs");
}

TEST_CASE("schedule: OneCycleLR ends at min lr, refuses more steps, needs momentum to cycle") {
  SGD opt({param()}, {.lr = 0.1, .momentum = 0.9});
  OneCycleLR sched(opt, {.max_lr = 1.0, .total_steps = 10});
  CHECK(opt.lr() == doctest::Approx(0.04));        // max_lr / div_factor
  CHECK(opt.momentum() == doctest::Approx(0.95));  // max_momentum
  for (int k = 0; k < 9; ++k) sched.step();
  const double min_lr = 0.04 / 1e4;
  CHECK(opt.lr() == doctest::Approx(min_lr));
  sched.step();  // step total_steps: allowed, holds the final value
  CHECK(opt.lr() == doctest::Approx(min_lr));
  CHECK(opt.momentum() == doctest::Approx(0.95));
  throws_with([&] { sched.step(); }, "OneCycleLR: step 11 is past total_steps 10");

  Adagrad ada({param()}, {});
  throws_with([&] { OneCycleLR(ada, {.max_lr = 1.0, .total_steps = 10}); },
              "Adagrad has none (set .cycle_momentum = false)");
  OneCycleLR no_cycle(ada, {.max_lr = 1.0, .total_steps = 10, .cycle_momentum = false});
  CHECK(ada.lr() == doctest::Approx(0.04));
  throws_with([&] { OneCycleLR(opt, {.total_steps = 10}); }, "invalid max_lr 0");
  throws_with([&] { OneCycleLR(opt, {.max_lr = 1.0}); }, "set total_steps, or epochs");
  throws_with(
      [&] {
        OneCycleLR(opt, {.max_lrs = {1.0, 2.0}, .total_steps = 5});
      },
      "2 max_lrs for 1 parameter groups");
}

TEST_CASE("schedule: ReduceLROnPlateau counts bad epochs, cools down and resumes exactly") {
  SGD opt({param()}, {.lr = 1.0});
  ReduceLROnPlateau plateau(opt, {.factor = 0.5, .patience = 1, .cooldown = 1, .min_lr = 0.2});
  CHECK_FALSE(plateau.step(1.0));  // best = 1
  CHECK_FALSE(plateau.step(1.0));  // bad 1
  CHECK(plateau.step(1.0));        // bad 2 > patience: lr 0.5, cooldown 1
  CHECK(opt.lr() == 0.5);
  CHECK_FALSE(plateau.step(1.0));  // in cooldown: bad reset to 0
  CHECK(plateau.num_bad_epochs() == 0);
  CHECK_FALSE(plateau.step(1.0));  // bad 1
  const StateDict saved = plateau.state_dict();
  CHECK(plateau.step(1.0));  // bad 2: lr 0.25
  CHECK(opt.lr() == 0.25);
  plateau.step(1.0);
  plateau.step(1.0);
  CHECK(plateau.step(1.0));  // lr max(0.125, 0.2) = 0.2
  CHECK(opt.lr() == 0.2);
  plateau.step(1.0);
  plateau.step(1.0);
  CHECK_FALSE(plateau.step(1.0));  // at min_lr: nothing left to reduce
  CHECK(opt.lr() == 0.2);

  SGD opt2({param()}, {.lr = 0.5});
  ReduceLROnPlateau resumed(opt2, {.factor = 0.5, .patience = 1, .cooldown = 1, .min_lr = 0.2});
  resumed.load_state_dict(saved);
  CHECK(resumed.best() == 1.0);
  CHECK(resumed.num_bad_epochs() == 1);
  CHECK(resumed.step(1.0));
  CHECK(opt2.lr() == 0.25);
  CHECK(resumed.last_step() == 6);

  ReduceLROnPlateau other(opt2, {.factor = 0.1});
  throws_with([&] { other.load_state_dict(saved); }, "factor differs");
  throws_with([&] { ReduceLROnPlateau(opt2, {.factor = 1.0}); }, "invalid factor 1");
  // A NaN metric is never an improvement; max mode tracks the largest value.
  ReduceLROnPlateau maxi(opt2, {.mode = PlateauMode::kMax, .patience = 5});
  maxi.step(0.5);
  maxi.step(std::nan(""));
  CHECK(maxi.best() == 0.5);
  CHECK(maxi.num_bad_epochs() == 1);
}

TEST_CASE("schedule: argument checks name the schedule and the value") {
  SGD opt({param()}, {.lr = 0.1});
  throws_with([&] { StepLR(opt, {}); }, "StepLR: invalid step_size 0");
  throws_with([&] { ExponentialLR(opt, {}); }, "ExponentialLR: invalid gamma 0");
  throws_with([&] { CosineAnnealingLR(opt, {.t_max = -1}); }, "CosineAnnealingLR: invalid t_max");
  throws_with([&] { MultiStepLR(opt, {.milestones = {-2}}); }, "invalid milestone -2");
}

}  // namespace
}  // namespace minidl::optim
