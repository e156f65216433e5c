// bench_rl: REINFORCE on CartPole-v1, minidl vs PyTorch, time per environment step (env +
// policy forward + the per-episode update), side by side in one run.
//
// Both sides run issue 11's reference setting (train/rl/reinforce.h; bench/torch_reinforce.py,
// in the shape of pytorch/examples' reinforce.py with a Python CartPole written from Gym's
// equations): policy 4-128-2 ReLU, Adam(1e-2), gamma 0.99, normalised returns, one update per
// episode. Each round runs --episodes episodes on each side with the round's seed, alternating
// which side goes first; PyTorch runs as a fresh process per round (its import is not timed: the
// script times its own loop) at one thread, its fastest setting for batch-1 work. The figure is
// the median over rounds of (seconds / environment steps); the episode lengths differ between the
// sides (different random streams), so per-step time is what compares, not episodes.
// Speedup > 1 means minidl is faster; issue 11's target is minidl <= 0.2x PyTorch (speedup >= 5).
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
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

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

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// One PyTorch round: the script's JSON line, or null on failure.
nlohmann::json torch_round(const Opts& o, int seed) {
  const std::string cmd = o.python + " " + o.script + " --episodes " + std::to_string(o.episodes) +
                          " --seed " + std::to_string(seed) + " --threads 1";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return nullptr;
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) != nullptr) out += buf;
  if (pclose(p) != 0) return nullptr;
  try {
    return nlohmann::json::parse(out);
  } catch (const std::exception&) {
    return nullptr;
  }
}

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
  const bool torch_ok =
      !o.no_torch && std::system((o.python + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0;
  std::vector<double> ours, theirs;
  std::string version = "";
  for (int round = 0; round < o.rounds; ++round) {
    auto run_ours = [&] {
      const auto r = train::rl::reinforce({.max_episodes = o.episodes,
                                           .solved_length = 0,
                                           .seed = static_cast<std::uint64_t>(o.seed + round)});
      ours.push_back(1e6 * r.seconds / static_cast<double>(r.total_steps));
      if (!o.json)
        std::printf("round %d minidl:  %4lld episodes %7lld steps %.2f s  %.2f us/step\n", round,
                    static_cast<long long>(r.returns.size()), static_cast<long long>(r.total_steps),
                    r.seconds, ours.back());
    };
    auto run_theirs = [&] {
      if (!torch_ok) return;
      const nlohmann::json j = torch_round(o, o.seed + round);
      if (j.is_null()) return;
      theirs.push_back(j.at("us_per_step").get<double>());
      version = j.at("torch").get<std::string>();
      if (!o.json)
        std::printf("round %d pytorch: %4d episodes %7d steps %.2f s  %.2f us/step\n", round,
                    j.at("episodes").get<int>(), j.at("steps").get<int>(),
                    j.at("seconds").get<double>(), theirs.back());
    };
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (round % 2 == 0) {
      run_ours();
      run_theirs();
    } else {
      run_theirs();
      run_ours();
    }
  }
  const double m = median(ours);
  const double t = theirs.empty() ? std::nan("") : median(theirs);
  nlohmann::json line = {
      {"bench", "reinforce_cartpole_step"},
      {"minidl", m},
      {"reference", theirs.empty() ? nlohmann::json(nullptr) : nlohmann::json(t)},
      {"reference_name",
       theirs.empty() ? "pytorch (skipped)" : "pytorch " + version + " (torch_reinforce.py)"},
      {"unit", "us/step"},
      {"speedup", theirs.empty() ? nlohmann::json(nullptr) : nlohmann::json(t / m)}};
  if (o.json) {
    std::printf("%s\n", line.dump().c_str());
  } else {
    std::printf(
        "reinforce_cartpole_step: minidl %.2f us/step, pytorch %.2f us/step, "
        "minidl/pytorch = %.3f (speedup %.2fx; target <= 0.2)\n",
        m, t, m / t, t / m);
  }
  return 0;
}
