// ppo_clip_loss example: PPO-clip on CartPole-v1 with CleanRL ppo.py's defaults
// (train/rl/ppo.h: 4 environments x 128 steps, 4 epochs of 4 minibatches, clip 0.2, GAE 0.95,
// entropy 0.01, grad-norm clip 0.5, annealed Adam(2.5e-4, eps 1e-5)).
//
// The metric: the average return of 10 evaluation episodes with the deterministic (argmax)
// policy, before training -> after. Full mode trains --steps environment steps (default 100k,
// the RL Baselines3 Zoo's budget for CartPole); quick mode 25k.
//
//   ppo_clip_loss [--quick] [--steps N] [--out DIR] [--seed S]
// Writes <out>/log.jsonl, one row per iteration (Spinning Up's keys, KL and ClipFrac included).
#include <cstdio>
#include <filesystem>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "train/rl/ppo.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{
      .name = "ppo_clip_loss", .steps = 100000, .seed = 1, .budget = examples::Budget::kSteps};
  examples::Flags app{"minidl example: ppo_clip_loss, PPO-clip on CartPole-v1"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    std::filesystem::create_directories(opt.out_dir);
    train::rl::PpoOptions po;
    po.seed = opt.seed;
    po.total_steps = opt.quick ? 25000 : opt.steps;
    po.log_path = opt.out_dir + "/log.jsonl";
    const std::int64_t print_every = opt.quick ? 10 : 20;
    po.on_log = [&](const train::Logs& row) {
      if (static_cast<std::int64_t>(row.at("Epoch") + 1) % print_every == 0)
        std::printf(
            "steps %7.0f  AverageEpRet %6.1f  LossPi %+.4f  LossV %8.3f  Entropy %.3f  "
            "KL %.4f  ClipFrac %.3f  %.1fs\n",
            row.at("TotalEnvInteracts"), row.at("AverageEpRet"), row.at("LossPi"), row.at("LossV"),
            row.at("Entropy"), row.at("KL"), row.at("ClipFrac"), row.at("Time"));
    };
    const train::rl::PpoResult r = train::rl::ppo(po);
    const double before = r.eval_before, after = r.eval_after;
    std::printf(
        "evaluation return (10 greedy episodes) %.1f -> %.1f after %lld steps, %.1f s "
        "(%.1f us per environment step)\n",
        before, after, static_cast<long long>(r.total_steps), r.seconds,
        1e6 * r.seconds / static_cast<double>(r.total_steps));
    return examples::report({.example = opt.name,
                             .loss = "ppo_clip_loss",
                             .family = "policy_gradient",
                             .metric = "evaluation return",
                             .before = before,
                             .after = after,
                             .higher_is_better = true},
                            opt);
  });
}
