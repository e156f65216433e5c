// bench_rl: REINFORCE on CartPole-v1, minidl vs PyTorch, time per environment step (env +
// policy forward + the per-episode update), side by side in one run.
//
// Both sides run issue 11's reference setting (train/rl/reinforce.h; bench/torch_reinforce.py,
// in the shape of pytorch/examples' reinforce.py with a Python CartPole written from Gym's
// equations): policy 4-128-2 ReLU, Adam(1e-2), gamma 0.99, normalised returns, one update per
// episode. A unit is a round of --episodes episodes from a fresh policy; PyTorch runs as a
// coprocess (torch_reinforce.py --serve; its import is not timed) and the two sides alternate
// round by round, PyTorch's thread setting chosen by its median over interleaved trial rounds
// (bench/harness.h). The figure is the median over rounds of (seconds / environment steps); the
// episode lengths differ between the sides (different random streams), so per-step time is what
// compares, not episodes. Issue 11's target is minidl <= 0.2x PyTorch. --rounds R: R rounds at
// the chosen setting after the trials.
//
// Round r uses seed base + r (--seed, default 0) on both sides; the streams differ anyway.
//
// Usage: bench_rl [--json] [--rounds R] [--episodes E] [--seed BASE] [--no-torch] [--python PATH]
//        bench_rl --solve   (minidl alone: seeds 0, 1, 2 run to the solved criterion)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "bench/harness.h"
#include "train/rl/reinforce.h"

using namespace minidl;

namespace {

struct Opts {
  bool json = false, no_torch = false, solve = false;
  int rounds = 3;
  int episodes = 200;
  int seed = 0;
  std::string python = "/usr/bin/python3";
  std::string script = std::string(MINIDL_SOURCE_DIR) + "/bench/torch_reinforce.py";
};

}  // namespace

int main(int argc, char** argv) {
  Opts o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json")
      o.json = true;
    else if (a == "--no-torch")
      o.no_torch = true;
    else if (a == "--solve")
      o.solve = true;
    else if (a == "--rounds" && i + 1 < argc)
      o.rounds = std::atoi(argv[++i]);
    else if (a == "--episodes" && i + 1 < argc)
      o.episodes = std::atoi(argv[++i]);
    else if (a == "--seed" && i + 1 < argc)
      o.seed = std::atoi(argv[++i]);
    else if (a == "--python" && i + 1 < argc)
      o.python = argv[++i];
    else {
      std::fprintf(
          stderr,
          "usage: bench_rl [--json] [--rounds R] [--episodes E] [--seed BASE] [--no-torch] "
          "[--python PATH] | --solve\n");
      return 2;
    }
  }
  if (o.solve) {
    for (std::uint64_t seed : {0, 1, 2}) {
      const auto r = train::rl::reinforce({.seed = seed});
      std::printf("seed %llu: solved at episode %lld, %lld steps, %.2f s, %.2f us/step\n",
                  static_cast<unsigned long long>(seed), static_cast<long long>(r.solved_at),
                  static_cast<long long>(r.total_steps), r.seconds,
                  1e6 * r.seconds / static_cast<double>(r.total_steps));
    }
    return 0;
  }
  // The method of bench/harness.h: a unit is one round of --episodes episodes from a fresh
  // policy (seed base + the side's round number), its figure microseconds per environment step.
  namespace bench = minidl::bench;
  bench::Coprocess torch;
  if (!o.no_torch && !torch.start({o.python, o.script, "--serve"}, "bench_rl")) {
    std::fprintf(stderr, "bench_rl: PyTorch side unavailable (%s %s --serve)\n", o.python.c_str(),
                 o.script.c_str());
  }
  int my_round = 0, their_round = 0;
  auto mine = [&] {
    const auto r = train::rl::reinforce({.max_episodes = o.episodes,
                                         .solved_length = 0,
                                         .seed = static_cast<std::uint64_t>(o.seed + my_round++)});
    return 1e6 * r.seconds / static_cast<double>(r.total_steps);
  };
  auto theirs = [&] {
    return torch.call("round " + std::to_string(o.episodes) + " " +
                      std::to_string(o.seed + their_round++));
  };
  const bool ref = torch.running();
  const bench::Outcome out =
      bench::contest(mine, ref ? std::function<double()>(theirs) : nullptr,
                     ref ? bench::torch_settings(torch) : std::vector<bench::Setting>{},
                     {o.rounds > 1 ? 3 : 2, o.rounds});
  bench::Row row = bench::make_row(
      "reinforce_cartpole_step", "us/step", false, out, [](double us) { return us; },
      ref ? "pytorch " + torch.version() + " (torch_reinforce.py, " + out.chosen + ")"
          : "pytorch (skipped)",
      bench::Target{0.2, true, "issue 11"});
  row.note = "rounds of " + std::to_string(o.episodes) + " episodes" +
             (out.settings.empty() ? ""
                                   : "\n               pytorch trials, us/step, median [IQR]: " +
                                         out.settings_note(""));
  if (o.json) {
    bench::print_json(row);
  } else {
    bench::print_table_header();
    bench::print_table_row(row);
    bench::print_targets({row});
  }
  return 0;
}
