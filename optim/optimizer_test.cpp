// Optimizers by hand: one or two steps per optimizer against the formula in its header (with
// numbers small enough to check on paper), L1 decay in both modes, convergence on a quadratic,
// parameters without a gradient, parameter groups and the decay split, thread-count determinism
// and the argument checks. PyTorch trajectories are in torch_fixture_test.cpp; state dicts in
// state_test.cpp.
#include <doctest/doctest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamw.h"
#include "optim/decay_groups.h"
#include "optim/rmsprop.h"
#include "optim/sgd.h"
#include "tensor/parallel.h"
#include "tests/test_util.h"

namespace minidl::optim {
namespace {

Variable param(std::vector<double> v) { return Variable(from_vector(v), true); }
void set_grad(Variable& p, std::vector<double> g) { p.set_grad(Variable(from_vector(g))); }
std::vector<double> values(const Variable& p) { return p.value().to_vector(); }

void check_values(const Variable& p, const std::vector<double>& want) {
  const std::vector<double> got = values(p);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    CAPTURE(i);
    CHECK(got[i] == doctest::Approx(want[i]).epsilon(1e-14));
  }
}

TEST_CASE("sgd: one step by hand with L2, L1 (sign(0) = 0), then a momentum step") {
  Variable p = param({1.0, -2.0, 0.0});
  SGD opt({p},
          {.lr = 0.1, .momentum = 0.9, .dampening = 0.5, .weight_decay = 0.1, .l1_decay = 0.2});
  set_grad(p, {0.5, 0.5, 0.5});
  opt.step();
  // d = g + 0.1 p + 0.2 sign(p) = {0.8, 0.1, 0.5}; the first buffer is d itself; p -= 0.1 d.
  check_values(p, {0.92, -2.01, -0.05});
  opt.step();
  // d = {0.5 + 0.092 + 0.2, 0.5 - 0.201 - 0.2, 0.5 - 0.005 - 0.2}; b = 0.9 b + 0.5 d.
  check_values(p, {0.92 - 0.1 * (0.9 * 0.8 + 0.5 * 0.792), -2.01 - 0.1 * (0.9 * 0.1 + 0.5 * 0.099),
                   -0.05 - 0.1 * (0.9 * 0.5 + 0.5 * 0.295)});
}

TEST_CASE("sgd: nesterov steps along g + mu b") {
  Variable p = param({1.0});
  SGD opt({p}, {.lr = 0.1, .momentum = 0.5, .nesterov = true});
  set_grad(p, {2.0});
  opt.step();  // b = 2, d = 2 + 0.5 * 2 = 3
  check_values(p, {0.7});
  opt.step();  // b = 0.5 * 2 + 2 = 3, d = 2 + 1.5
  check_values(p, {0.7 - 0.35});
}

TEST_CASE("adam: two steps by hand, bias-corrected, eps outside the square root") {
  Variable p = param({1.0, -2.0});
  Adam opt({p}, {.lr = 0.1, .eps = 0.0, .l1_decay = 0.2});
  set_grad(p, {0.5, 0.5});
  opt.step();
  // Step 1 of Adam moves every coordinate by lr * sign(g) (m_hat / sqrt(v_hat) = +-1); with
  // L1 the gradients are 0.7 and 0.3, both positive.
  check_values(p, {0.9, -2.1});
  set_grad(p, {-1.0, 0.1});
  opt.step();
  const double g1[2] = {0.7, 0.3}, g2[2] = {-1.0 + 0.2, 0.1 - 0.2};
  const double start[2] = {0.9, -2.1};
  for (int i = 0; i < 2; ++i) {
    const double m = 0.9 * 0.1 * g1[i] + 0.1 * g2[i];
    const double v = 0.999 * 0.001 * g1[i] * g1[i] + 0.001 * g2[i] * g2[i];
    const double want = start[i] - 0.1 / (1 - 0.81) * m / (std::sqrt(v) / std::sqrt(1 - 0.998001));
    CHECK(values(p)[i] == doctest::Approx(want).epsilon(1e-13));
  }
  CHECK(opt.step_count(0, 0) == 2);
}

TEST_CASE("adam: amsgrad keeps the largest second moment") {
  Variable a = param({0.0}), b = param({0.0});
  Adam plain({a}, {.lr = 0.1, .eps = 0.0});
  Adam ams({b}, {.lr = 0.1, .eps = 0.0, .amsgrad = true});
  for (double g : {1.0, 0.0}) {
    set_grad(a, {g});
    set_grad(b, {g});
    plain.step();
    ams.step();
  }
  // Step 2: m = 0.09, v = 0.000999 (< v_max = 0.001); bias corrections 0.19 and 0.001999.
  const double m = 0.09, bc1 = 0.19, bc2 = 1 - 0.999 * 0.999;
  check_values(a, {-0.1 - 0.1 / bc1 * m / (std::sqrt(0.000999) / std::sqrt(bc2))});
  check_values(b, {-0.1 - 0.1 / bc1 * m / (std::sqrt(0.001) / std::sqrt(bc2))});
}

TEST_CASE("adamw: decay multiplies p by 1 - lr wd before the Adam step") {
  Variable p = param({1.0, -4.0});
  AdamW opt({p}, {.lr = 0.1, .eps = 0.0, .weight_decay = 0.5});
  set_grad(p, {0.5, -0.5});
  opt.step();
  check_values(p, {0.95 - 0.1, -3.8 + 0.1});
  CHECK(AdamWOptions{}.weight_decay == 1e-2);
}

TEST_CASE("rmsprop: plain, centered and momentum steps by hand") {
  Variable a = param({1.0}), b = param({1.0}), c = param({1.0});
  RMSprop plain({a}, {.lr = 0.01, .eps = 0.0});
  RMSprop centered({b}, {.lr = 0.01, .eps = 0.0, .centered = true});
  RMSprop momentum({c}, {.lr = 0.01, .eps = 0.0, .momentum = 0.9});
  for (Variable* v : {&a, &b, &c}) set_grad(*v, {0.5});
  plain.step();
  centered.step();
  momentum.step();
  check_values(a, {0.9});                                                 // s = 0.0025, sqrt = 0.05
  check_values(b, {1 - 0.01 * 0.5 / std::sqrt(0.0025 - 0.005 * 0.005)});  // s - avg^2
  check_values(c, {0.9});                                                 // b = g / 0.05 = 10
  momentum.step();
  check_values(c, {0.9 - 0.01 * (9.0 + 0.5 / std::sqrt(0.99 * 0.0025 + 0.0025))});
}

TEST_CASE("adagrad: initial accumulator and lr_decay by hand") {
  Variable p = param({1.0});
  Adagrad opt({p}, {.lr = 0.1, .lr_decay = 0.5, .initial_accumulator_value = 0.75, .eps = 0.0});
  set_grad(p, {0.5});
  opt.step();  // s = 0.75 + 0.25 = 1, clr = 0.1
  check_values(p, {0.95});
  opt.step();  // s = 1.25, clr = 0.1 / (1 + 0.5)
  check_values(p, {0.95 - 0.1 / 1.5 * 0.5 / std::sqrt(1.25)});
  CHECK_FALSE(opt.has_momentum());
}

TEST_CASE("optim: proximal L1 sets small weights to exactly zero and keeps them there") {
  Variable p = param({1.0, -0.05, 0.3, 0.0});
  SGD opt({p}, {.lr = 0.1, .l1_decay = 1.0, .l1_mode = L1Mode::kProximal});
  set_grad(p, {0.0, 0.0, 0.0, 0.0});
  opt.step();  // soft threshold by lr * l1 = 0.1
  check_values(p, {0.9, 0.0, 0.2, 0.0});
  opt.step();
  check_values(p, {0.8, 0.0, 0.1, 0.0});
  // Subgradient mode at p = 0 exactly: sign(0) = 0, no pull; elsewhere lr * l1 * sign(p).
  Variable q = param({0.0, -0.5});
  SGD sub({q}, {.lr = 0.1, .l1_decay = 1.0});
  set_grad(q, {0.0, 0.0});
  sub.step();
  check_values(q, {0.0, -0.4});
}

// f(p) = sum_i a_i (p_i - c_i)^2 / 2 with an ill-conditioned a.
void check_converges(const std::function<std::unique_ptr<Optimizer>(Variable&)>& make, int steps,
                     double tol) {
  const Tensor a = from_vector(std::vector<double>{1.0, 4.0, 0.25, 2.0});
  const Tensor c = from_vector(std::vector<double>{1.0, -2.0, 3.0, 0.5});
  Variable p(zeros({4}, kFloat64), true);
  auto opt = make(p);
  for (int k = 0; k < steps; ++k) {
    opt->zero_grad();
    backward(sum(Variable(a) * square(p - Variable(c))) * 0.5);
    opt->step();
  }
  for (int i = 0; i < 4; ++i) CHECK(p.value().at(i) == doctest::Approx(c.at(i)).epsilon(tol));
}

TEST_CASE("optim: every optimizer converges on a quadratic") {
  using P = std::vector<Variable>;
  check_converges(
      [](Variable& p) {
        return std::make_unique<SGD>(P{p}, SGDOptions{.lr = 0.1, .momentum = 0.9});
      },
      300, 1e-6);
  check_converges([](Variable& p) { return std::make_unique<Adam>(P{p}, AdamOptions{.lr = 0.05}); },
                  600, 1e-4);
  check_converges(
      [](Variable& p) {
        return std::make_unique<Adam>(P{p}, AdamOptions{.lr = 0.05, .amsgrad = true});
      },
      600, 1e-4);
  check_converges(
      [](Variable& p) {
        return std::make_unique<AdamW>(P{p}, AdamWOptions{.lr = 0.05, .weight_decay = 0.0});
      },
      600, 1e-4);
  check_converges(
      [](Variable& p) {
        return std::make_unique<RMSprop>(P{p}, RMSpropOptions{.lr = 0.01, .centered = true});
      },
      1000, 1e-2);
  check_converges(
      [](Variable& p) { return std::make_unique<Adagrad>(P{p}, AdagradOptions{.lr = 0.5}); }, 1000,
      1e-4);
}

TEST_CASE("optim: parameters without a gradient are skipped untouched, state and all") {
  std::vector<std::unique_ptr<Optimizer>> opts;
  auto pair = [] { return std::vector<Variable>{param({1.0, 2.0}), param({3.0, -4.0})}; };
  std::vector<std::vector<Variable>> params;
  for (int k = 0; k < 5; ++k) params.push_back(pair());
  opts.push_back(std::make_unique<SGD>(
      params[0], SGDOptions{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.1, .l1_decay = 0.1}));
  opts.push_back(std::make_unique<Adam>(params[1], AdamOptions{.weight_decay = 0.1}));
  opts.push_back(std::make_unique<AdamW>(params[2], AdamWOptions{.weight_decay = 0.1}));
  opts.push_back(std::make_unique<RMSprop>(params[3], RMSpropOptions{.weight_decay = 0.1}));
  opts.push_back(std::make_unique<Adagrad>(params[4], AdagradOptions{.weight_decay = 0.1}));
  for (std::size_t k = 0; k < opts.size(); ++k) {
    CAPTURE(opts[k]->name());
    Variable& used = params[k][0];
    Variable& idle = params[k][1];
    const Tensor before = idle.value().clone();
    for (int s = 0; s < 3; ++s) {
      opts[k]->zero_grad();
      backward(sum(square(used)));
      opts[k]->step();
    }
    CHECK(testing::bitwise_equal(idle.value(), before));
    CHECK(opts[k]->step_count(0, 0) == 3);
    CHECK(opts[k]->step_count(0, 1) == 0);
    CHECK(opts[k]->state_dict().count("state.0.1.step") == 0);
  }
}

TEST_CASE("optim: groups take their own lr and decay, unset fields the defaults") {
  Variable w = param({1.0}), b = param({1.0});
  SGD opt(std::vector<ParamGroup>{{.params = {w}}, {.params = {b}, .lr = 0.5, .weight_decay = 0.0}},
          {.lr = 0.1, .weight_decay = 1.0});
  CHECK(opt.num_groups() == 2);
  CHECK(opt.param_groups()[0].lr == 0.1);
  CHECK(opt.param_groups()[0].weight_decay == 1.0);
  CHECK(opt.param_groups()[1].lr == 0.5);
  set_grad(w, {1.0});
  set_grad(b, {1.0});
  opt.step();
  check_values(w, {1.0 - 0.1 * 2.0});
  check_values(b, {1.0 - 0.5 * 1.0});
  opt.set_lr(1, 0.25);
  CHECK(opt.lr(1) == 0.25);
  opt.set_lr(0.01);
  CHECK(opt.lr(0) == 0.01);
  CHECK(opt.lr(1) == 0.01);
  CHECK(opt.parameters().size() == 2);
}

TEST_CASE("optim: split_decay_groups exempts biases and 1-D parameters") {
  Variable w(zeros({3, 2}), true), bias(zeros({2}), true), gamma(ones({2}), true),
      kernel(zeros({4, 1, 3, 3}), true), odd(zeros({2, 2}), true);
  auto groups = split_decay_groups({{"fc.weight", w},
                                    {"fc.bias", bias},
                                    {"norm.weight", gamma},
                                    {"conv.weight", kernel},
                                    {"bias", odd}});
  REQUIRE(groups.size() == 2);
  CHECK(groups[0].params.size() == 2);  // fc.weight, conv.weight
  CHECK(groups[0].params[0].impl() == w.impl());
  CHECK_FALSE(groups[0].weight_decay.has_value());
  CHECK(groups[1].params.size() == 3);  // fc.bias, norm.weight (1-D), bias (by name)
  CHECK(*groups[1].weight_decay == 0.0);
  CHECK(*groups[1].l1_decay == 0.0);
  AdamW opt(groups, {.weight_decay = 0.1});
  CHECK(opt.param_groups()[0].weight_decay == 0.1);
  CHECK(opt.param_groups()[1].weight_decay == 0.0);
  CHECK_FALSE(skips_decay("fc.bias", bias, {.skip_1d = false, .skip_suffixes = {}}));
}

// The kernels run blocks of 16 elements as SIMD code and a partial block as scalar code; a
// one-element parameter always takes the scalar path, so 53 of them are the oracle for one
// 53-element parameter (3 blocks and a tail of 5).
TEST_CASE("optim: the vectorised blocks agree with the element-by-element path") {
  using Make = std::function<std::unique_ptr<Optimizer>(std::vector<Variable>)>;
  const std::vector<std::pair<std::string, Make>> cases = {
      {"sgd",
       [](auto ps) {
         return std::make_unique<SGD>(ps, SGDOptions{.lr = 0.1,
                                                     .momentum = 0.9,
                                                     .dampening = 0.0,
                                                     .weight_decay = 0.01,
                                                     .nesterov = true,
                                                     .l1_decay = 0.01});
       }},
      {"adam",
       [](auto ps) {
         return std::make_unique<Adam>(
             ps, AdamOptions{.lr = 0.1, .weight_decay = 0.01, .amsgrad = true, .l1_decay = 0.01});
       }},
      {"adamw",
       [](auto ps) {
         return std::make_unique<AdamW>(
             ps, AdamWOptions{.lr = 0.1, .l1_decay = 0.05, .l1_mode = L1Mode::kProximal});
       }},
      {"rmsprop",
       [](auto ps) {
         return std::make_unique<RMSprop>(
             ps,
             RMSpropOptions{.lr = 0.01, .weight_decay = 0.01, .momentum = 0.5, .centered = true});
       }},
      {"adagrad",
       [](auto ps) {
         return std::make_unique<Adagrad>(
             ps, AdagradOptions{.lr = 0.1, .lr_decay = 0.01, .l1_decay = 0.01});
       }},
  };
  const std::int64_t n = 53;
  for (DType dtype : {kFloat64, kFloat32}) {
    for (const auto& [name, make] : cases) {
      CAPTURE(name);
      CAPTURE(dtype_name(dtype));
      auto value = [](std::int64_t i) { return std::sin(0.7 * static_cast<double>(i)) - 0.1; };
      std::vector<double> init(n);
      for (std::int64_t i = 0; i < n; ++i) init[i] = value(i);
      Variable whole(from_vector(init).to(dtype), true);
      std::vector<Variable> singles;
      for (std::int64_t i = 0; i < n; ++i)
        singles.push_back(Variable(from_vector(std::vector<double>{init[i]}).to(dtype), true));
      auto fast = make({whole});
      auto oracle = make(singles);
      for (int s = 0; s < 4; ++s) {
        std::vector<double> g(n);
        for (std::int64_t i = 0; i < n; ++i) g[i] = std::cos(1.3 * static_cast<double>(i + s));
        whole.set_grad(Variable(from_vector(g).to(dtype)));
        for (std::int64_t i = 0; i < n; ++i)
          singles[i].set_grad(Variable(from_vector(std::vector<double>{g[i]}).to(dtype)));
        fast->step();
        oracle->step();
      }
      std::vector<double> expect;
      for (const Variable& v : singles) expect.push_back(v.value().at(0));
      CHECK_TENSOR_CLOSE(whole.value(), from_vector(expect).to(dtype),
                         dtype == kFloat64 ? 1e-14 : 1e-6, dtype == kFloat64 ? 1e-15 : 1e-7);
    }
  }
}

TEST_CASE("optim: updates are bitwise identical on 1 and 2 threads") {
  const std::int64_t n = 100003;  // several chunks, a ragged last one
  Tensor init = empty({n}, kFloat32), grad = empty({n}, kFloat32);
  for (std::int64_t i = 0; i < n; ++i) {
    init.data<float>()[i] = std::sin(0.001f * static_cast<float>(i));
    grad.data<float>()[i] = std::cos(0.003f * static_cast<float>(i));
  }
  auto run = [&](int threads) {
    set_num_threads(threads);
    Variable p(init.clone(), true);
    Adam opt({p}, {.lr = 0.01, .weight_decay = 0.01, .amsgrad = true, .l1_decay = 1e-3});
    for (int s = 0; s < 3; ++s) {
      p.set_grad(Variable(grad));
      opt.step();
    }
    return p.value().clone();
  };
  const Tensor one = run(1), two = run(2);
  set_num_threads(0);
  CHECK(testing::bitwise_equal(one, two));
}

TEST_CASE("optim: invalid arguments are errors naming the optimizer and the value") {
  Variable p = param({1.0});
  auto throws_with = [](const std::function<void()>& fn, const std::string& text) {
    try {
      fn();
      FAIL("no error; expected: ", text);
    } catch (const Error& e) {
      CHECK_MESSAGE(std::string(e.what()).find(text) != std::string::npos, e.what());
    }
  };
  throws_with([&] { SGD({p}, {.lr = -0.1}); }, "SGD: invalid lr -0.1");
  throws_with([&] { SGD({p}, {.lr = 0.1, .nesterov = true}); }, "nesterov momentum requires");
  throws_with([&] { Adam({p}, {.betas = {1.0, 0.999}}); }, "Adam: invalid beta1 1");
  throws_with([&] { AdamW({p}, {.betas = {0.9, -0.1}}); }, "AdamW: invalid beta2 -0.1");
  throws_with([&] { Adam({p}, {.eps = -1.0}); }, "Adam: invalid eps");
  throws_with([&] { RMSprop({p}, {.alpha = 1.5}); }, "RMSprop: invalid alpha 1.5");
  throws_with([&] { Adagrad({p}, {.lr_decay = -1.0}); }, "Adagrad: invalid lr_decay");
  throws_with([&] { SGD({p}, {.weight_decay = -1.0}); }, "SGD: invalid weight_decay");
  throws_with([&] { SGD({p}, {.l1_decay = -1.0}); }, "SGD: invalid l1_decay");
  throws_with([&] { SGD({p, p}, {}); }, "appears more than once");
  throws_with([&] { SGD({Variable(zeros({2}, kInt64))}, {}); }, "only floating-point");
  throws_with([&] { SGD({p * 2.0}, {}); }, "is not a leaf");
  throws_with([&] { Adagrad(std::vector<ParamGroup>{{.params = {p}, .momentum = 0.9}}, {}); },
              "Adagrad has none");
  SGD opt({p}, {.lr = 0.1});
  throws_with([&] { opt.set_lr(-1.0); }, "SGD: invalid lr -1");
  throws_with([&] { opt.set_momentum(0, -0.5); }, "SGD: invalid momentum -0.5");
  throws_with([&] { opt.lr(3); }, "group 3 out of range");
}

}  // namespace
}  // namespace minidl::optim
