#include "train/gan/trainer.h"

#include <doctest/doctest.h>

#include <cmath>
#include <memory>
#include <sstream>
#include <tuple>
#include <utility>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "losses/gan.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/gradcheck_module.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/error.h"
#include "tensor/parallel.h"
#include "tests/test_util.h"
#include "train/metric_log.h"
#include "train/train_test_util.h"

namespace minidl::train::gan {
namespace {

using test_support::TempDir;

std::shared_ptr<nn::Sequential> mlp(std::int64_t in, std::int64_t out, std::uint64_t seed) {
  Generator gen(seed);
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(in, 16, gen), std::make_shared<nn::Tanh>(),
      std::make_shared<nn::Linear>(16, 16, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(16, out, gen));
}

// Points on the unit circle, drawn from the trainer's generator.
Tensor ring(std::int64_t n, Generator& gen) {
  const Tensor angle = rand({n}, gen, kFloat32, 0.0, 6.283185307179586);
  return stack({cos(angle), sin(angle)}, 1);
}

// Two players, their optimizers and a trainer; built the same way twice for the resume test.
struct Setup {
  std::shared_ptr<nn::Sequential> g = mlp(2, 2, 1), d = mlp(2, 1, 2);
  optim::Adam g_opt{g->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}}};
  optim::Adam d_opt{d->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}}};
  optim::StepLR g_sched{g_opt, {.step_size = 2, .gamma = 0.5}};
  GanTrainer trainer;
  explicit Setup(GanOptions o)
      : trainer(*g, *d, g_opt, d_opt, ring, with_schedule(std::move(o), &g_sched)) {}
  static GanOptions with_schedule(GanOptions o, optim::LRScheduler* s) {
    o.g_scheduler = s;
    return o;
  }
};

GanOptions base_options() {
  return {.objective = Objective::kWganGp,
          .steps = 6,
          .batch_size = 16,
          .n_critic = 2,
          .r1_gamma = 0.5,
          .ema_decay = 0.9,
          .seed = 5,
          .log_every = 3,
          .verbose = 0};
}

void check_same(const nn::StateDict& a, const nn::StateDict& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [k, v] : a) {
    CAPTURE(k);
    CHECK(testing::bitwise_equal(v, b.at(k)));
  }
}

TEST_CASE("gan trainer: a resumed run gives the same bits as a straight one") {
  TempDir dir;
  Setup straight(base_options());
  straight.trainer.train();
  CHECK(straight.trainer.steps_done() == 6);

  GanOptions half = base_options();
  half.steps = 3;
  half.checkpoint_path = dir.file("gan.safetensors");
  half.checkpoint_every = 3;
  half.log_path = dir.file("log.jsonl");
  Setup first(half);
  first.trainer.train();

  GanOptions rest = base_options();
  rest.resume_from = dir.file("gan.safetensors");
  rest.log_path = dir.file("log.jsonl");
  Setup second(rest);
  second.trainer.train();
  CHECK(second.trainer.steps_done() == 6);
  check_same(straight.g->state_dict(), second.g->state_dict());
  check_same(straight.d->state_dict(), second.d->state_dict());
  check_same(straight.trainer.ema(), second.trainer.ema());
  check_same(straight.g_opt.state_dict(), second.g_opt.state_dict());
  check_same(straight.d_opt.state_dict(), second.d_opt.state_dict());
  CHECK(straight.g_sched.state_dict().size() == second.g_sched.state_dict().size());
  CHECK(straight.trainer.rng().offset() == second.trainer.rng().offset());
  // The log holds both halves' rows.
  const std::vector<Logs> rows = read_metric_log(dir.file("log.jsonl"));
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].at("step") == 3);
  CHECK(rows[1].at("step") == 6);
  for (const char* key : {"d_loss", "g_loss", "wasserstein", "penalty", "d_grad_norm",
                          "g_grad_norm", "d_real", "d_fake", "seconds"})
    CHECK(rows[1].count(key) == 1);
  CHECK(rows[1].at("penalty") > 0);
}

// A module around another that does not say it is samplewise (nn::Module's default): the
// trainer then keeps G's work whole.
class Opaque : public nn::Module {
 public:
  explicit Opaque(std::shared_ptr<nn::Module> inner) : Module("Opaque") {
    register_module("inner", inner);
    inner_ = inner;
  }
  Variable forward(const Variable& x) override { return (*inner_)(x); }

 private:
  std::shared_ptr<nn::Module> inner_;
};

// The ring GAN's players (hidden 128, batch 256: the GEMMs are cut in blocks and the backward's
// products run side by side).
std::shared_ptr<nn::Sequential> ring_mlp(std::int64_t out, Generator& gen) {
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(2, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, out, gen));
}

struct RingRun {
  nn::StateDict g, d, g_grad;
  Logs logs;
};

// `steps` iterations of the ring GAN from fixed weights; opaque_g hides G's samplewise().
RingRun ring_run(Objective obj, bool side_by_side, bool opaque_g, int steps,
                 std::int64_t batch = 256) {
  Generator gen(3);
  auto g = ring_mlp(2, gen), d = ring_mlp(1, gen);
  std::shared_ptr<nn::Module> g_mod = g;
  if (opaque_g) g_mod = std::make_shared<Opaque>(g);
  optim::Adam g_opt(g->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}});
  optim::Adam d_opt(d->parameters(), {.lr = 1e-3, .betas = {0.5, 0.999}});
  GanTrainer t(*g_mod, *d, g_opt, d_opt, ring,
               {.objective = obj,
                .steps = steps,
                .batch_size = batch,
                .n_critic = 2,
                .side_by_side = side_by_side,
                .seed = 9,
                .verbose = 0});
  CHECK(t.side_by_side_active() == side_by_side);
  CHECK(t.generator_halves_active() == (side_by_side && !opaque_g));
  RingRun r;
  for (int i = 0; i < steps; ++i) r.logs = t.step();
  r.g = g->state_dict();
  r.d = d->state_dict();
  for (const auto& [name, p] : g->named_parameters()) r.g_grad[name] = p.grad().value().clone();
  return r;
}

TEST_CASE("gan trainer: D(real) beside D(fake) gives the bits of one after the other") {
  // Every objective without a penalty, on two threads. G is opaque, so its step stays whole:
  // weights and logs match over 3 iterations (WGAN's clipping included).
  set_num_threads(2);
  for (Objective obj : {Objective::kMinimax, Objective::kNonSaturating, Objective::kWgan,
                        Objective::kHinge, Objective::kLsgan, Objective::kRelativistic}) {
    CAPTURE(objective_name(obj));
    const RingRun one = ring_run(obj, false, true, 3), two = ring_run(obj, true, true, 3);
    check_same(one.g, two.g);
    check_same(one.d, two.d);
    for (const auto& [k, v] : one.logs) {
      CAPTURE(k);
      CHECK(v == two.logs.at(k));
    }
  }
  set_num_threads(0);
}

TEST_CASE("gan trainer: halves of the batch agree with the whole batch within rounding") {
  // G and D samplewise: D's fakes come from G's forward on two halves of the batch, and G's step
  // runs in two halves whose gradients are added. A product's rows on 128 rows need not have the
  // bits of the same rows in a product of 256 (OpenBLAS may block or order the sum by row count;
  // DESIGN.md: no promise rests on that), and G's gradient adds the same terms in another order.
  // So both players and every log agree to rounding; the bits across thread counts are the next
  // test's promise.
  set_num_threads(2);
  for (Objective obj : {Objective::kMinimax, Objective::kNonSaturating, Objective::kWgan,
                        Objective::kHinge, Objective::kLsgan, Objective::kRelativistic}) {
    CAPTURE(objective_name(obj));
    const RingRun whole = ring_run(obj, false, false, 1), halves = ring_run(obj, true, false, 1);
    for (const auto& [k, v] : whole.logs) {
      CAPTURE(k);
      CHECK(halves.logs.at(k) == doctest::Approx(v).epsilon(1e-6).scale(1));
    }
    for (const auto& [name, gw] : whole.g_grad) {
      CAPTURE(name);
      const Tensor gh = halves.g_grad.at(name);
      const double scale = amax(abs(gw)).item();
      REQUIRE(scale > 0);
      CHECK(amax(abs(sub(gw, gh))).item() <= 1e-5 * scale);
    }
    // Adam's steps move a weight by ~lr = 1e-3 each; rounding moves it far less.
    for (const auto* players : {&whole.g, &whole.d}) {
      const nn::StateDict& other = players == &whole.g ? halves.g : halves.d;
      for (const auto& [name, w] : *players) {
        CAPTURE(name);
        CHECK(amax(abs(sub(w, other.at(name)))).item() <= 1e-5);
      }
    }
  }
  set_num_threads(0);
}

TEST_CASE("gan trainer: halves of the batch give the same bits on one thread and on two") {
  // An odd batch too: halves of 127 and 128 rows.
  for (auto [obj, batch] : {std::pair{Objective::kNonSaturating, std::int64_t{256}},
                            std::pair{Objective::kRelativistic, std::int64_t{256}},
                            std::pair{Objective::kHinge, std::int64_t{255}}}) {
    CAPTURE(objective_name(obj));
    CAPTURE(batch);
    set_num_threads(1);
    const RingRun one = ring_run(obj, true, false, 3, batch);
    set_num_threads(2);
    const RingRun two = ring_run(obj, true, false, 3, batch);
    check_same(one.g, two.g);
    check_same(one.d, two.d);
    check_same(one.g_grad, two.g_grad);
    for (const auto& [k, v] : one.logs) {
      CAPTURE(k);
      CHECK(v == two.logs.at(k));
    }
  }
  set_num_threads(0);
}

TEST_CASE("nn: samplewise() is true for layers that keep samples apart") {
  Generator gen(1);
  CHECK(ring_mlp(1, gen)->samplewise());
  CHECK(nn::Sequential().samplewise());
  CHECK(nn::Flatten().samplewise());
  CHECK_FALSE(nn::Flatten(0).samplewise());
  CHECK_FALSE(nn::Softmax(1).samplewise());
  CHECK_FALSE(nn::Dropout(0.5, gen).samplewise());
  CHECK_FALSE(nn::BatchNorm1d(4).samplewise());
  CHECK_FALSE(Opaque(ring_mlp(1, gen)).samplewise());
  // A subclass may mix rows in its own forward: not samplewise unless it says so.
  struct MyLinear : nn::Linear {
    using nn::Linear::Linear;
  };
  struct MySequential : nn::Sequential {};
  CHECK(nn::Linear(2, 3, gen).samplewise());
  CHECK_FALSE(MyLinear(2, 3, gen).samplewise());
  CHECK_FALSE(MySequential().samplewise());
  nn::Sequential with_bn(std::make_shared<nn::Linear>(2, 4, gen),
                         std::make_shared<nn::BatchNorm1d>(4));
  CHECK_FALSE(with_bn.samplewise());
  // A G with BatchNorm: its batch statistics must see the whole batch, so no halves.
  auto d = mlp(2, 1, 2);
  auto g = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 8, gen),
                                            std::make_shared<nn::BatchNorm1d>(8),
                                            std::make_shared<nn::Linear>(8, 2, gen));
  optim::Adam g_opt(g->parameters(), {}), d_opt(d->parameters(), {});
  GanTrainer t(*g, *d, g_opt, d_opt, ring, {.verbose = 0});
  CHECK(t.side_by_side_active());
  CHECK_FALSE(t.generator_halves_active());
  t.step();
}

TEST_CASE("gan trainer: D with state or a penalty runs its two forwards one after the other") {
  Generator gen(4);
  auto bn_d = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 8, gen),
                                               std::make_shared<nn::BatchNorm1d>(8),
                                               std::make_shared<nn::Linear>(8, 1, gen));
  auto drop_d = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 8, gen),
                                                 std::make_shared<nn::Dropout>(0.5, gen),
                                                 std::make_shared<nn::Linear>(8, 1, gen));
  auto g = mlp(2, 2, 1), plain = mlp(2, 1, 2);
  optim::Adam g_opt(g->parameters(), {});
  for (auto [d, o, want] :
       {std::tuple{bn_d.get(), GanOptions{.verbose = 0}, false},
        std::tuple{drop_d.get(), GanOptions{.verbose = 0}, false},
        std::tuple{plain.get(), GanOptions{.objective = Objective::kWganGp, .verbose = 0}, false},
        std::tuple{plain.get(), GanOptions{.r1_gamma = 1, .verbose = 0}, false},
        std::tuple{plain.get(), GanOptions{.side_by_side = false, .verbose = 0}, false},
        std::tuple{plain.get(), GanOptions{.verbose = 0}, true}}) {
    optim::Adam d_opt(d->parameters(), {});
    GanTrainer t(*g, *d, g_opt, d_opt, ring, o);
    CHECK(t.side_by_side_active() == want);
    t.step();  // and it trains either way
  }
  // A forward hook belongs to this thread: with one set, D's two forwards run here and it sees
  // both (and the G step's), not only the G step's.
  optim::Adam d_opt(plain->parameters(), {});
  GanTrainer t(*g, *plain, g_opt, d_opt, ring, {.verbose = 0});
  REQUIRE(t.side_by_side_active());
  int d_calls = 0, g_calls = 0;
  const nn::Module* d_root = plain.get();
  const nn::Module* g_root = g.get();
  const nn::ForwardHook before = nn::set_forward_hook([&](nn::Module& m, const Variable&) {
    d_calls += &m == d_root ? 1 : 0;
    g_calls += &m == g_root ? 1 : 0;
  });
  t.step();
  nn::set_forward_hook(before);
  CHECK(d_calls == 3);
  CHECK(g_calls == 2);  // D's fakes and G's step, each G(z) whole (no halves under a hook)
}

TEST_CASE("gan trainer: loading a checkpoint of another shape changes nothing and names it") {
  TempDir dir;
  Setup a(base_options());
  a.trainer.step();
  a.trainer.save_checkpoint(dir.file("a.safetensors"));
  GanOptions o = base_options();
  o.ema_decay = 0;  // the checkpoint has an EMA, this run none
  Setup b(o);
  const nn::StateDict before = b.g->state_dict();
  CHECK_THROWS_WITH_AS(b.trainer.load_checkpoint(dir.file("a.safetensors")),
                       doctest::Contains("a.safetensors': the EMA has"), Error);
  check_same(before, b.g->state_dict());
  CHECK(b.trainer.steps_done() == 0);
}

TEST_CASE("gan trainer: a NaN loss stops training with a message") {
  GanOptions o = base_options();
  o.steps = 50;
  o.verbose = 2;
  std::ostringstream out;
  o.progress_out = &out;
  Setup s(o);
  GanTrainer nan_trainer(
      *s.g, *s.d, s.g_opt, s.d_opt,
      [](std::int64_t n, Generator&) {
        return full({n, 2}, NAN);
      },
      o);
  const GanHistory h = nan_trainer.train();
  CHECK(h.stopped);
  CHECK(nan_trainer.steps_done() == 1);
  CHECK(h.stop_reason.find("d_loss is nan at step 1") != std::string::npos);
  CHECK(h.stop_reason.find("TerminateOnNaN") != std::string::npos);
  CHECK(out.str().find("TerminateOnNaN") != std::string::npos);
}

TEST_CASE("gan trainer: WGAN clips the critic's weights; D stays trainable after G's step") {
  GanOptions o = base_options();
  o.objective = Objective::kWgan;  // clip_value 0.01 by default
  o.r1_gamma = 0;
  Setup s(o);
  s.trainer.step();
  for (const Variable& p : s.d->parameters()) {
    CHECK(p.requires_grad());
    const Tensor v = p.value();
    CHECK(amax(abs(v)).item() <= 0.01f);
  }
}

TEST_CASE("gan trainer: every objective takes a step with finite logs") {
  for (Objective obj : all_objectives()) {
    CAPTURE(objective_name(obj));
    GanOptions o = base_options();
    o.objective = obj;
    Setup s(o);
    const Logs l = s.trainer.step();
    for (const auto& [k, v] : l) {
      CAPTURE(k);
      CHECK(std::isfinite(v));
    }
    CHECK(parse_objective(objective_name(obj)) == obj);
  }
  CHECK_THROWS_WITH_AS(parse_objective("wgan-gp"), doctest::Contains("unknown objective"), Error);
}

TEST_CASE("gan trainer: EMA samples differ from the live generator's, without EMA they match") {
  Setup with(base_options());
  with.trainer.step();
  with.trainer.step();
  const Tensor z = with.trainer.noise(4, with.trainer.rng());
  Tensor live;
  {
    NoGradGuard ng;
    live = (*with.g)(Variable(z)).value();
  }
  CHECK(!testing::bitwise_equal(with.trainer.generate(z), live));
  GanOptions o = base_options();
  o.ema_decay = 0;
  Setup without(o);
  without.trainer.step();
  {
    NoGradGuard ng;
    live = (*without.g)(Variable(z)).value();
  }
  CHECK(testing::bitwise_equal(without.trainer.generate(z), live));
}

// The penalties of a module critic, as a module, so gradcheck_module checks the second-order
// gradient every critic weight receives.
class PenaltyOf : public nn::Module {
 public:
  PenaltyOf(std::shared_ptr<nn::Module> critic, bool r1)
      : critic_(register_module("critic", std::move(critic))), r1_(r1) {}
  Variable forward(const Variable& x) override {
    const losses::Critic c = [this](const Variable& v) { return (*critic_)(v); };
    return r1_ ? losses::r1_penalty(c, x) : losses::wgan_gradient_penalty_at(c, x);
  }

 private:
  std::shared_ptr<nn::Module> critic_;
  bool r1_;
};

TEST_CASE("gan penalties: a module critic's weights get the true second-order gradient") {
  for (bool r1 : {false, true}) {
    auto critic = mlp(2, 1, 9);
    critic->to(kFloat64);
    PenaltyOf penalty(critic, r1);
    Generator gen(4);
    CHECK(nn::gradcheck_module(penalty, Variable(randn({5, 2}, gen, kFloat64))));
  }
}

}  // namespace
}  // namespace minidl::train::gan
