#include "examples/common/rl_example.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "train/rl/ppo.h"
#include "train/rl/run.h"

namespace minidl::examples {
namespace {

// On a terminal the trainer's progress bar shows the run; in logs (the tour, ctest) one line per
// tenth of the run does.
void print_row(const train::Logs& row) {
  if (::isatty(STDOUT_FILENO) == 1) return;
  auto get = [&](const char* k) { return row.count(k) ? row.at(k) : std::nan(""); };
  std::printf(
      "steps %7.0f  AverageEpRet %8.1f  LossPi %+.4f  LossV %8.4f  Entropy %.3f  KL %+.4f  "
      "ClipFrac %.3f  EvalRet %7.1f  %.1fs\n",
      get("TotalEnvInteracts"), get("AverageEpRet"), get("LossPi"), get("LossV"), get("Entropy"),
      get("KL"), get("ClipFrac"), get("EvalRet"), get("Time"));
}

int finish(const ExampleOptions& opt, double before, double after, std::int64_t steps,
           double seconds) {
  std::printf(
      "evaluation return (10 greedy episodes) %.1f -> %.1f after %lld steps, %.1f s "
      "(%.1f us per environment step)\n",
      before, after, static_cast<long long>(steps), seconds,
      1e6 * seconds / static_cast<double>(std::max<std::int64_t>(steps, 1)));
  return report({.example = opt.name,
                 .loss = "",
                 .family = "policy_gradient",
                 .metric = "evaluation return",
                 .before = before,
                 .after = after,
                 .higher_is_better = true},
                opt);
}

}  // namespace

int run_rl_example(const RlExample& ex, int argc, char** argv) {
  ExampleOptions opt{.name = ex.name,
                     .steps = train::rl::default_budget(ex.algorithm, ex.env),
                     .seed = 0,
                     .budget = Budget::kSteps};
  Flags app{"minidl example: " + ex.name + ", " + ex.what};
  add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return run(opt.name, [&] {
    std::filesystem::create_directories(opt.out_dir);
    train::rl::RunSpec spec{.algorithm = ex.algorithm,
                            .env = ex.env,
                            .seed = opt.seed,
                            .total_steps = opt.quick ? ex.quick_steps : opt.steps,
                            .log_path = opt.out_dir + "/log.jsonl",
                            .verbose = 1,
                            .curve_path = opt.out_dir + "/curve.png"};
    const double tenth = static_cast<double>(spec.total_steps) / 10;
    double next = tenth;
    spec.on_log = [&](const train::Logs& row) {
      if (row.at("TotalEnvInteracts") >= next) {
        print_row(row);
        while (next <= row.at("TotalEnvInteracts")) next += tenth;
      }
    };
    const train::rl::RunResult r = train::rl::run_algorithm(spec);
    return finish(opt, r.eval_before, r.eval_after, r.total_steps, r.seconds);
  });
}

int run_ppo_example(const PpoExample& ex, int argc, char** argv) {
  train::rl::PpoOptions po = train::rl::ppo_settings(ex.env);
  ExampleOptions opt{
      .name = ex.name, .steps = po.total_steps, .seed = po.seed, .budget = Budget::kSteps};
  Flags app{"minidl example: " + ex.name + ", " + ex.what};
  add_standard_flags(app, opt);
  // The settings' main knobs, to try others without rebuilding.
  app.add_option("--lr", po.lr, "learning rate")->capture_default_str();
  app.add_flag("--anneal-lr", po.anneal_lr, "anneal the learning rate linearly to 0");
  app.add_option("--gamma", po.gamma, "discount")->capture_default_str();
  app.add_option("--gae-lambda", po.gae_lambda, "GAE lambda")->capture_default_str();
  app.add_option("--envs", po.num_envs, "environment copies")->capture_default_str();
  app.add_option("--num-steps", po.num_steps, "steps per copy per rollout")->capture_default_str();
  app.add_option("--minibatches", po.num_minibatches, "minibatches per epoch")
      ->capture_default_str();
  app.add_option("--update-epochs", po.update_epochs, "epochs per rollout")->capture_default_str();
  app.add_option("--ent-coef", po.ent_coef, "entropy bonus")->capture_default_str();
  app.add_option("--eval-every", po.eval_every, "iterations between evaluations (0 = at the end)")
      ->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return run(opt.name, [&] {
    std::filesystem::create_directories(opt.out_dir);
    po.seed = opt.seed;
    po.total_steps = opt.quick ? ex.quick_steps : opt.steps;
    po.log_path = opt.out_dir + "/log.jsonl";
    po.verbose = 1;
    po.curve_path = opt.out_dir + "/curve.png";
    const std::int64_t batch = po.num_envs * po.num_steps;
    const std::int64_t iterations = std::max<std::int64_t>(1, po.total_steps / batch);
    const std::int64_t print_every = std::max<std::int64_t>(1, iterations / 10);
    po.on_log = [&](const train::Logs& row) {
      const auto it = static_cast<std::int64_t>(row.at("Epoch")) + 1;
      if (it % print_every == 0 || it == iterations) print_row(row);
    };
    const train::rl::PpoResult r = train::rl::ppo(po);
    return finish(opt, r.eval_before, r.eval_after, r.total_steps, r.seconds);
  });
}

}  // namespace minidl::examples
