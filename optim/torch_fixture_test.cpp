// optim/ against PyTorch: tests/fixtures/optim.json, written by
// tests/fixtures/make_optim_fixtures.py (run by hand with Debian's python3-torch; see its
// docstring). Ten optimizer steps on a tiny least-squares problem for every optimizer and decay
// mode (L1 emulated in the script exactly as optimizer.h defines it), LR sequences over 30 steps
// for every schedule, and clip_grad_norm_ / clip_grad_value_ results. Both sides are float64.
#include <doctest/doctest.h>

#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "optim/adagrad.h"
#include "optim/adam.h"
#include "optim/adamw.h"
#include "optim/clip.h"
#include "optim/rmsprop.h"
#include "optim/schedule.h"
#include "optim/sgd.h"
#include "tests/test_util.h"

namespace minidl::optim {
namespace {

using nlohmann::json;

// A few roundings per step, ten steps, one sqrt/division chain: float64 agreement is ~1e-15; the
// margin covers PyTorch's different association (fused multiply-adds in its vector kernels).
constexpr double kRtol = 1e-10;
constexpr double kAtol = 1e-12;

const json& fixture() {
  static const json data = [] {
    const std::string path = std::string(MINIDL_FIXTURE_DIR) + "/optim.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return json::parse(in);
  }();
  return data;
}

Tensor tensor_of(const json& j, DType dtype = kFloat64) {
  Shape shape = j.at("shape").get<Shape>();
  return from_vector(j.at("data").get<std::vector<double>>(), shape).to(dtype);
}

Tensor flat_of(const json& j, const Shape& shape) {
  return from_vector(j.get<std::vector<double>>(), shape);
}

// ---- optimizers

std::unique_ptr<Optimizer> make_optimizer(const json& c, std::vector<ParamGroup> groups) {
  const json& o = c.at("options");
  const std::string kind = c.at("optimizer");
  const double l1 = o.value("l1_decay", 0.0);
  const L1Mode mode =
      o.value("l1_mode", "subgradient") == "proximal" ? L1Mode::kProximal : L1Mode::kSubgradient;
  const auto betas = o.value("betas", std::vector<double>{0.9, 0.999});
  if (kind == "sgd")
    return std::make_unique<SGD>(groups, SGDOptions{.lr = o.at("lr"),
                                                    .momentum = o.value("momentum", 0.0),
                                                    .dampening = o.value("dampening", 0.0),
                                                    .weight_decay = o.value("weight_decay", 0.0),
                                                    .nesterov = o.value("nesterov", false),
                                                    .l1_decay = l1,
                                                    .l1_mode = mode});
  if (kind == "adam")
    return std::make_unique<Adam>(groups, AdamOptions{.lr = o.at("lr"),
                                                      .betas = {betas[0], betas[1]},
                                                      .eps = o.value("eps", 1e-8),
                                                      .weight_decay = o.value("weight_decay", 0.0),
                                                      .amsgrad = o.value("amsgrad", false),
                                                      .l1_decay = l1,
                                                      .l1_mode = mode});
  if (kind == "adamw")
    return std::make_unique<AdamW>(groups,
                                   AdamWOptions{.lr = o.at("lr"),
                                                .betas = {betas[0], betas[1]},
                                                .eps = o.value("eps", 1e-8),
                                                .weight_decay = o.value("weight_decay", 1e-2),
                                                .amsgrad = o.value("amsgrad", false),
                                                .l1_decay = l1,
                                                .l1_mode = mode});
  if (kind == "rmsprop")
    return std::make_unique<RMSprop>(groups,
                                     RMSpropOptions{.lr = o.at("lr"),
                                                    .alpha = o.value("alpha", 0.99),
                                                    .eps = o.value("eps", 1e-8),
                                                    .weight_decay = o.value("weight_decay", 0.0),
                                                    .momentum = o.value("momentum", 0.0),
                                                    .centered = o.value("centered", false),
                                                    .l1_decay = l1,
                                                    .l1_mode = mode});
  if (kind == "adagrad")
    return std::make_unique<Adagrad>(
        groups,
        AdagradOptions{.lr = o.at("lr"),
                       .lr_decay = o.value("lr_decay", 0.0),
                       .weight_decay = o.value("weight_decay", 0.0),
                       .initial_accumulator_value = o.value("initial_accumulator_value", 0.0),
                       .eps = o.value("eps", 1e-10),
                       .l1_decay = l1,
                       .l1_mode = mode});
  throw std::runtime_error("bad fixture: unknown optimizer " + kind);
}

// Replays one case: ten steps of loss = mean((X W + b - Y)^2) from (W0, b0); compares every step.
void replay_optimizer_case(const json& c, DType dtype, double rtol, double atol) {
  const json& pb = fixture().at("problem");
  const Variable x(tensor_of(pb.at("X"), dtype)), y(tensor_of(pb.at("Y"), dtype));
  Variable w(tensor_of(pb.at("W0"), dtype), true), b(tensor_of(pb.at("b0"), dtype), true);
  const std::vector<Variable> params = {w, b};
  std::vector<ParamGroup> groups;
  if (c.at("groups").is_null()) {
    groups.push_back(ParamGroup{.params = params});
  } else {
    for (const json& g : c.at("groups")) {
      ParamGroup pg;
      for (int i : g.at("params")) pg.params.push_back(params.at(i));
      if (g.contains("lr")) pg.lr = g.at("lr").get<double>();
      if (g.contains("weight_decay")) pg.weight_decay = g.at("weight_decay").get<double>();
      if (g.contains("l1_decay")) pg.l1_decay = g.at("l1_decay").get<double>();
      groups.push_back(pg);
    }
  }
  auto opt = make_optimizer(c, groups);
  const json& steps = c.at("steps");
  REQUIRE(steps.size() == 10);
  for (std::size_t k = 0; k < steps.size(); ++k) {
    CAPTURE(k);
    opt->zero_grad();
    backward(mean(square(matmul(x, w) + b - y)));
    opt->step();
    CHECK_TENSOR_CLOSE(w.value(), flat_of(steps[k][0], w.shape()).to(dtype), rtol, atol);
    CHECK_TENSOR_CLOSE(b.value(), flat_of(steps[k][1], b.shape()).to(dtype), rtol, atol);
  }
}

int replay_optimizer(const std::string& kind) {
  int n = 0;
  for (const json& c : fixture().at("optimizers")) {
    if (c.at("optimizer") != kind) continue;
    const std::string name = c.at("name");
    CAPTURE(name);
    replay_optimizer_case(c, kFloat64, kRtol, kAtol);
    ++n;
  }
  return n;
}

TEST_CASE("sgd: ten steps match PyTorch (momentum, dampening, nesterov, L1, L2, groups)") {
  CHECK(replay_optimizer("sgd") >= 8);
}
TEST_CASE("adam: ten steps match PyTorch (betas, eps, amsgrad, L1, L2, groups)") {
  CHECK(replay_optimizer("adam") >= 7);
}
TEST_CASE("adamw: ten steps match PyTorch (decoupled decay, amsgrad, L1, groups)") {
  CHECK(replay_optimizer("adamw") >= 4);
}
TEST_CASE("rmsprop: ten steps match PyTorch (alpha, centered, momentum, L1, L2)") {
  CHECK(replay_optimizer("rmsprop") >= 6);
}
TEST_CASE("adagrad: ten steps match PyTorch (lr_decay, initial accumulator, L1, L2)") {
  CHECK(replay_optimizer("adagrad") >= 4);
}

TEST_CASE("optim: float32 parameters follow the float64 PyTorch trajectory") {
  for (const json& c : fixture().at("optimizers")) {
    const std::string name = c.at("name");
    CAPTURE(name);
    replay_optimizer_case(c, kFloat32, 1e-4, 1e-5);
  }
}

// ---- schedulers

std::unique_ptr<LRScheduler> make_scheduler(const std::string& kind, const json& o,
                                            Optimizer& opt) {
  if (kind == "step_lr")
    return std::make_unique<StepLR>(opt, StepLROptions{o.at("step_size"), o.at("gamma")});
  if (kind == "multistep_lr")
    return std::make_unique<MultiStepLR>(
        opt,
        MultiStepLROptions{o.at("milestones").get<std::vector<std::int64_t>>(), o.at("gamma")});
  if (kind == "exponential_lr")
    return std::make_unique<ExponentialLR>(opt, ExponentialLROptions{o.at("gamma")});
  if (kind == "cosine_annealing_lr")
    return std::make_unique<CosineAnnealingLR>(
        opt, CosineAnnealingLROptions{o.at("T_max"), o.value("eta_min", 0.0)});
  if (kind == "linear_warmup") {
    std::unique_ptr<LRScheduler> after;
    if (o.contains("after")) after = make_scheduler(o.at("after"), o, opt);
    return std::make_unique<LinearWarmup>(
        opt, LinearWarmupOptions{o.at("warmup_steps"), o.at("start_factor")}, std::move(after));
  }
  if (kind == "one_cycle")
    return std::make_unique<OneCycleLR>(
        opt, OneCycleLROptions{
                 .max_lrs = o.at("max_lr").get<std::vector<double>>(),
                 .total_steps = o.value("total_steps", 0),
                 .epochs = o.value("epochs", 0),
                 .steps_per_epoch = o.value("steps_per_epoch", 0),
                 .pct_start = o.value("pct_start", 0.3),
                 .anneal = o.value("anneal", "cos") == "linear" ? Anneal::kLinear : Anneal::kCos,
                 .cycle_momentum = o.value("cycle_momentum", true),
                 .base_momentum = o.value("base_momentum", 0.85),
                 .max_momentum = o.value("max_momentum", 0.95),
                 .div_factor = o.value("div_factor", 25.0),
                 .final_div_factor = o.value("final_div_factor", 1e4),
                 .three_phase = o.value("three_phase", false)});
  throw std::runtime_error("bad fixture: unknown scheduler " + kind);
}

TEST_CASE("schedule: lr sequences match PyTorch over 30 steps") {
  int n = 0;
  for (const json& c : fixture().at("schedulers")) {
    const std::string name = c.at("name"), kind = c.at("kind");
    CAPTURE(name);
    const auto base = c.at("base_lrs").get<std::vector<double>>();
    Variable p0(zeros({2}, kFloat64), true), p1(zeros({2}, kFloat64), true);
    std::vector<ParamGroup> groups = {{.params = {p0}, .lr = base[0]},
                                      {.params = {p1}, .lr = base[1]}};
    std::unique_ptr<Optimizer> opt;
    if (c.at("optimizer") == "adam")
      opt = std::make_unique<Adam>(groups, AdamOptions{.lr = base[0]});
    else
      opt = std::make_unique<SGD>(groups, SGDOptions{.lr = base[0], .momentum = 0.9});
    const json& o = c.at("options");
    std::unique_ptr<LRScheduler> sched;
    std::unique_ptr<ReduceLROnPlateau> plateau;
    if (kind == "reduce_on_plateau") {
      ReduceLROnPlateauOptions po;
      po.mode = o.value("mode", "min") == "max" ? PlateauMode::kMax : PlateauMode::kMin;
      po.factor = o.value("factor", 0.1);
      po.patience = o.value("patience", 10);
      po.threshold = o.value("threshold", 1e-4);
      po.threshold_mode =
          o.value("threshold_mode", "rel") == "abs" ? ThresholdMode::kAbs : ThresholdMode::kRel;
      po.cooldown = o.value("cooldown", 0);
      if (o.contains("min_lr")) po.min_lrs = o.at("min_lr").get<std::vector<double>>();
      po.eps = o.value("eps", 1e-8);
      plateau = std::make_unique<ReduceLROnPlateau>(*opt, po);
    } else {
      sched = make_scheduler(kind, o, *opt);
    }
    const json& lrs = c.at("lrs");
    for (std::size_t k = 0; k < lrs.size(); ++k) {
      CAPTURE(k);
      if (k > 0) {
        if (plateau)
          plateau->step(c.at("metrics")[k - 1].get<double>());
        else
          sched->step();
      }
      // PyTorch lets OneCycleLR's pct pass 1 on step total_steps; minidl holds the final value
      // there (schedule.h), which equals PyTorch's value one step earlier.
      const bool past_end =
          kind == "one_cycle" &&
          static_cast<std::int64_t>(k) == dynamic_cast<OneCycleLR&>(*sched).total_steps();
      const json& want = past_end ? lrs[k - 1] : lrs[k];
      for (std::size_t g = 0; g < 2; ++g) {
        CAPTURE(g);
        const double expect = want[g];
        CHECK(opt->lr(g) == doctest::Approx(expect).epsilon(1e-12));
        if (c.contains("momentum")) {
          const double m = (past_end ? c.at("momentum")[k - 1] : c.at("momentum")[k])[g];
          CHECK(opt->momentum(g) == doctest::Approx(m).epsilon(1e-12));
        }
      }
    }
    ++n;
  }
  CHECK(n >= 14);
}

// ---- clipping

TEST_CASE("clip: clip_grad_norm_ and clip_grad_value_ match PyTorch") {
  for (const json& c : fixture().at("clip")) {
    std::vector<Variable> params;
    for (const json& g : c.at("grads")) {
      Tensor t = tensor_of(g);
      Variable p(zeros_like(t), true);
      p.set_grad(Variable(t));
      params.push_back(p);
    }
    if (c.at("kind") == "norm") {
      const double norm_type =
          c.at("norm_type").is_string() ? kInfNorm : c.at("norm_type").get<double>();
      CAPTURE(norm_type);
      const double max_norm = c.at("max_norm");
      CAPTURE(max_norm);
      const double total = clip_grad_norm_(params, max_norm, norm_type);
      CHECK(total == doctest::Approx(c.at("total_norm").get<double>()).epsilon(1e-12));
    } else {
      clip_grad_value_(params, c.at("clip_value").get<double>());
    }
    for (std::size_t i = 0; i < params.size(); ++i)
      CHECK_TENSOR_CLOSE(params[i].grad().value(), flat_of(c.at("clipped")[i], params[i].shape()),
                         1e-12, 1e-14);
  }
}

}  // namespace
}  // namespace minidl::optim
