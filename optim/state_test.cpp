// Optimizer state dicts: "k steps, save, load into a fresh optimizer on fresh parameters, more
// steps" must equal the straight run bit for bit, for every optimizer with all its buffers in use;
// and loading the wrong state is an error that changes nothing.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamw.h"
#include "optim/rmsprop.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "tests/test_util.h"

namespace minidl::optim {
namespace {

using Factory = std::function<std::unique_ptr<Optimizer>(std::vector<ParamGroup>)>;

// Two groups (a matrix with decay, a bias without), float32 as in training.
struct Model {
  Variable w, b;
  Model() : w(Tensor({3, 4}, kFloat32), true), b(Tensor({4}, kFloat32), true) {
    for (std::int64_t i = 0; i < 12; ++i) w.value().data<float>()[i] = 0.1f * (i % 5) - 0.2f;
    for (std::int64_t i = 0; i < 4; ++i) b.value().data<float>()[i] = 0.05f * i;
  }
  Model(const Model& m) : w(m.w.value().clone(), true), b(m.b.value().clone(), true) {}
  std::vector<ParamGroup> groups() const {
    return {{.params = {w}}, {.params = {b}, .lr = 0.002, .weight_decay = 0.0}};
  }
  // A fixed batch depending on the step, so every step has a different gradient.
  void train_step(Optimizer& opt, int step) {
    Tensor x({5, 3}, kFloat32);
    for (std::int64_t i = 0; i < 15; ++i)
      x.data<float>()[i] = static_cast<float>(((i * 7 + step * 3) % 11) - 5) * 0.1f;
    opt.zero_grad();
    backward(mean(square(matmul(Variable(x), w) + b - 0.3)));
    opt.step();
  }
};

void check_resume_exact(const std::string& label, const Factory& make) {
  CAPTURE(label);
  Model straight;
  Model resumed(straight);
  auto opt_a = make(straight.groups());
  for (int s = 0; s < 3; ++s) straight.train_step(*opt_a, s);
  // "Save" after 3 steps: the weights and the optimizer state, as a checkpoint would.
  auto opt_b = make(resumed.groups());
  for (int s = 0; s < 3; ++s) resumed.train_step(*opt_b, s);
  const StateDict saved = opt_b->state_dict();
  Model fresh(resumed);
  auto opt_c = make(fresh.groups());
  opt_c->load_state_dict(saved);
  CHECK(opt_c->step_count(0, 0) == 3);
  for (int s = 3; s < 7; ++s) {
    straight.train_step(*opt_a, s);
    fresh.train_step(*opt_c, s);
  }
  CHECK(testing::bitwise_equal(straight.w.value(), fresh.w.value()));
  CHECK(testing::bitwise_equal(straight.b.value(), fresh.b.value()));
}

TEST_CASE("optim: state_dict round trip continues bit-identically for every optimizer") {
  check_resume_exact("sgd", [](auto g) {
    return std::make_unique<SGD>(
        g, SGDOptions{.lr = 0.01, .momentum = 0.9, .nesterov = true, .l1_decay = 1e-3});
  });
  check_resume_exact("adam", [](auto g) {
    return std::make_unique<Adam>(g,
                                  AdamOptions{.lr = 0.01, .weight_decay = 1e-2, .amsgrad = true});
  });
  check_resume_exact("adamw", [](auto g) {
    return std::make_unique<AdamW>(
        g, AdamWOptions{.lr = 0.01, .l1_decay = 1e-3, .l1_mode = L1Mode::kProximal});
  });
  check_resume_exact("rmsprop", [](auto g) {
    return std::make_unique<RMSprop>(g,
                                     RMSpropOptions{.lr = 0.01, .momentum = 0.5, .centered = true});
  });
  check_resume_exact("adagrad", [](auto g) {
    return std::make_unique<Adagrad>(
        g, AdagradOptions{.lr = 0.05, .lr_decay = 0.1, .initial_accumulator_value = 0.1});
  });
}

TEST_CASE("optim: state_dict holds kind, hyper, group values, steps and buffers") {
  Model m;
  Adam opt(m.groups(), {.lr = 0.01, .amsgrad = true});
  const StateDict before = opt.state_dict();
  CHECK(before.count("kind.adam") == 1);
  CHECK(before.count("state.0.0.step") == 0);  // no step yet, no state
  m.train_step(opt, 0);
  opt.set_lr(0, 0.005);
  const StateDict s = opt.state_dict();
  for (const char* key :
       {"hyper", "group.0.size", "group.0.lr", "group.1.lr", "group.0.momentum",
        "group.1.weight_decay", "group.1.l1_decay", "state.0.0.step", "state.0.0.exp_avg",
        "state.0.0.exp_avg_sq", "state.0.0.max_exp_avg_sq", "state.1.0.exp_avg"})
    CHECK_MESSAGE(s.count(key) == 1, key);
  CHECK(s.at("group.0.lr").item() == 0.005);
  CHECK(s.at("state.0.0.step").dtype() == kInt64);
  CHECK(s.at("state.0.0.exp_avg").dtype() == kFloat32);
  CHECK(s.at("state.0.0.exp_avg").shape() == Shape{3, 4});
  // The map owns copies: stepping again does not change a saved state.
  const Tensor saved = s.at("state.0.0.exp_avg").clone();
  m.train_step(opt, 1);
  CHECK(testing::bitwise_equal(s.at("state.0.0.exp_avg"), saved));
  // Loading restores the lrs a scheduler had set.
  Model m2(m);
  Adam other(m2.groups(), {.lr = 0.01, .amsgrad = true});
  other.load_state_dict(s);
  CHECK(other.lr(0) == 0.005);
  CHECK(other.lr(1) == 0.002);
  // Prefixing for a shared checkpoint file.
  const StateDict file = with_prefix(s, "optimizer.");
  CHECK(file.count("optimizer.kind.adam") == 1);
  CHECK(strip_prefix(file, "optimizer.").size() == s.size());
}

TEST_CASE("optim: load_state_dict rejects another kind, hyper-parameters or layout") {
  Model m;
  Adam adam(m.groups(), {.lr = 0.01});
  m.train_step(adam, 0);
  const StateDict s = adam.state_dict();
  auto throws_with = [](const std::function<void()>& fn, const std::string& text) {
    try {
      fn();
      FAIL("no error; expected: ", text);
    } catch (const Error& e) {
      CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, e.what());
    }
  };
  Model fresh;
  SGD sgd(fresh.groups(), {.lr = 0.01});
  throws_with([&] { sgd.load_state_dict(s); }, "SGD.load_state_dict: the state is for 'adam'");
  Adam beta(fresh.groups(), {.lr = 0.01, .betas = {0.9, 0.99}});
  throws_with([&] { beta.load_state_dict(s); }, "beta2 differs: checkpoint 0.999");
  Adam ams(fresh.groups(), {.lr = 0.01, .amsgrad = true});
  throws_with([&] { ams.load_state_dict(s); }, "amsgrad differs");
  AdamW w(fresh.groups(), {.lr = 0.01});
  throws_with([&] { w.load_state_dict(s); }, "the state is for 'adam', not 'adamw'");
  Adam one_group({fresh.w, fresh.b}, {.lr = 0.01});
  throws_with([&] { one_group.load_state_dict(s); }, "group 0 has 2 parameters, the checkpoint 1");
  Adam decay(
      std::vector<ParamGroup>{{.params = {fresh.w}, .weight_decay = 0.5}, {.params = {fresh.b}}},
      {.lr = 0.01});
  throws_with([&] { decay.load_state_dict(s); }, "weight_decay of group 0 differs");

  Adam ok(fresh.groups(), {.lr = 0.01});
  StateDict bad = s;
  bad["state.0.0.exp_avg"] = zeros({4, 3}, kFloat32);
  throws_with([&] { ok.load_state_dict(bad); }, "'state.0.0.exp_avg' is float32 [4,3]");
  bad = s;
  bad["state.0.0.exp_avg"] = zeros({3, 4}, kFloat64);
  throws_with([&] { ok.load_state_dict(bad); }, "the parameter is float32 [3,4]");
  bad = s;
  bad.erase("state.0.0.exp_avg_sq");
  throws_with([&] { ok.load_state_dict(bad); }, "missing 'state.0.0.exp_avg_sq'");
  bad = s;
  bad["state.0.7.step"] = int_entry(1);
  throws_with([&] { ok.load_state_dict(bad); }, "unexpected entry 'state.0.7.step'");
  bad = s;
  bad.erase("group.1.lr");
  throws_with([&] { ok.load_state_dict(bad); }, "missing entry 'group.1.lr'");
  // A failed load leaves the optimizer as it was.
  CHECK(ok.lr(0) == 0.01);
  CHECK(ok.step_count(0, 0) == 0);
  CHECK(ok.state_dict().size() == Adam(Model().groups(), {.lr = 0.01}).state_dict().size());
}

TEST_CASE("optim: a resumed run with a schedule matches the straight run bit for bit") {
  // Adam + OneCycleLR (which also cycles beta1): the checkpoint holds both state dicts.
  auto make = [](Model& m) {
    auto opt = std::make_unique<Adam>(m.groups(), AdamOptions{.lr = 0.01});
    return opt;
  };
  Model straight;
  Model half(straight);
  auto opt_a = make(straight);
  OneCycleLR sched_a(*opt_a, {.max_lr = 0.05, .total_steps = 8});
  auto opt_b = make(half);
  OneCycleLR sched_b(*opt_b, {.max_lr = 0.05, .total_steps = 8});
  for (int s = 0; s < 4; ++s) {
    straight.train_step(*opt_a, s);
    sched_a.step();
    half.train_step(*opt_b, s);
    sched_b.step();
  }
  StateDict file = with_prefix(opt_b->state_dict(), "optimizer.");
  file.merge(with_prefix(sched_b.state_dict(), "scheduler."));

  Model fresh(half);
  auto opt_c = make(fresh);
  OneCycleLR sched_c(*opt_c, {.max_lr = 0.05, .total_steps = 8});
  sched_c.load_state_dict(strip_prefix(file, "scheduler."));
  opt_c->load_state_dict(strip_prefix(file, "optimizer."));
  CHECK(sched_c.last_step() == 4);
  CHECK(opt_c->momentum(0) == opt_a->momentum(0));
  for (int s = 4; s < 8; ++s) {
    straight.train_step(*opt_a, s);
    sched_a.step();
    fresh.train_step(*opt_c, s);
    sched_c.step();
  }
  CHECK(testing::bitwise_equal(straight.w.value(), fresh.w.value()));
  CHECK(testing::bitwise_equal(straight.b.value(), fresh.b.value()));
  CHECK(opt_a->lr(0) == opt_c->lr(0));
}

}  // namespace
}  // namespace minidl::optim
