// rl_study: every policy-gradient trainer (REINFORCE, REINFORCE with a value baseline, VPG, A2C,
// PPO; train/rl/run.h) on every environment (CartPole-v1, Acrobot-v1, Pendulum-v1; REINFORCE is
// Discrete-only) with 3 seeds, each with the same step budget per environment: the PPO targets'
// 100k, 200k and 300k steps (--steps N sets one budget for all). Quick mode: CartPole-v1 alone,
// 2000 steps per run.
//
// One table, printed and written to <out>/rl_study.md: per algorithm and environment, the steps
// to solve (the mean return of the last 100 training episodes reaching 475 / -100 / -300) of
// each seed, the final greedy evaluation return (mean and min over seeds, 10 episodes each) and
// the wall time per run. One PNG, <out>/rl_study.png: a panel per environment, per algorithm the
// mean over seeds of the last-100-episode return against environment steps with the min..max
// band, the solved threshold dashed. Every run's log is in <out>/<algorithm>_<env>_<seed>.jsonl.
//
// The metric: the mean score over all runs, score = (greedy return after - before) / |solved
// threshold - before| (0 before training, 1 = moved from the untrained policy to the
// threshold).
//
//   rl_study [--quick] [--steps N] [--out DIR] [--seed FIRST_SEED]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "tensor/file_util.h"
#include "train/band_plot.h"
#include "train/rl/run.h"

using namespace minidl;

namespace {

// The mean of the last `window` returns finished by each x of the grid (NaN before the first).
std::vector<double> curve_on_grid(const train::rl::EpisodeHistory& h,
                                  const std::vector<double>& grid, std::size_t window = 100) {
  std::vector<double> out;
  std::size_t end = 0;
  for (double x : grid) {
    while (end < h.end_steps.size() && static_cast<double>(h.end_steps[end]) <= x) ++end;
    if (end == 0) {
      out.push_back(std::nan(""));
      continue;
    }
    const std::size_t from = end > window ? end - window : 0;
    double s = 0;
    for (std::size_t i = from; i < end; ++i) s += h.returns[i];
    out.push_back(s / static_cast<double>(end - from));
  }
  return out;
}

std::string short_env(const std::string& env) { return env.substr(0, env.find('-')); }

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{
      .name = "rl_study", .steps = 0, .seed = 0, .budget = examples::Budget::kSteps};
  examples::Flags app{
      "minidl example: rl_study, every policy-gradient trainer on every environment, 3 seeds"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    std::filesystem::create_directories(opt.out_dir);
    std::vector<std::string> envs = {"CartPole-v1", "Acrobot-v1", "Pendulum-v1"};
    if (opt.quick) envs.resize(1);
    const std::map<std::string, std::int64_t> budgets = {
        {"CartPole-v1", 100000}, {"Acrobot-v1", 200000}, {"Pendulum-v1", 300000}};
    const int seeds = 3;
    std::string table =
        "| algorithm | env | steps to solve (seeds) | final eval return, mean (min) | s per run |\n"
        "|---|---|---|---|---|\n";
    std::vector<train::BandPanel> panels;
    double score_sum = 0;
    int runs = 0;
    for (const std::string& env : envs) {
      const std::int64_t budget = opt.quick ? 2000 : opt.steps > 0 ? opt.steps : budgets.at(env);
      const double target = train::rl::solved_return(env);
      train::BandPanel panel{.title = short_env(env) + ": mean and min..max of 3 seeds",
                             .xlabel = "environment steps",
                             .ylabel = "return, mean of the last 100 episodes",
                             .target = target};
      std::vector<double> grid;
      for (int i = 1; i <= 40; ++i) grid.push_back(static_cast<double>(budget) * i / 40.0);
      for (const std::string& algo : train::rl::algorithm_names()) {
        if (algo == "reinforce" && env == "Pendulum-v1") continue;
        std::string solved_cells;
        double eval_sum = 0, eval_min = INFINITY, seconds = 0;
        std::vector<std::vector<double>> curves;
        for (int s = 0; s < seeds; ++s) {
          const std::uint64_t seed = opt.seed + static_cast<std::uint64_t>(s);
          const train::rl::RunResult r = train::rl::run_algorithm(
              {.algorithm = algo,
               .env = env,
               .seed = seed,
               .total_steps = budget,
               .log_path = opt.out_dir + "/" + algo + "_" + short_env(env) + "_" +
                           std::to_string(seed) + ".jsonl"});
          const std::int64_t solved = train::rl::steps_to_solve(r.episodes, target);
          solved_cells +=
              (s ? ", " : "") + (solved < 0 ? std::string("-") : std::to_string(solved));
          eval_sum += r.eval_after;
          eval_min = std::min(eval_min, r.eval_after);
          seconds += r.seconds;
          score_sum +=
              (r.eval_after - r.eval_before) / std::max(std::abs(target - r.eval_before), 1e-9);
          ++runs;
          curves.push_back(curve_on_grid(r.episodes, grid));
          std::printf("%-18s %-11s seed %llu: solved at %s, eval %.1f -> %.1f, %.1f s\n",
                      algo.c_str(), env.c_str(), static_cast<unsigned long long>(seed),
                      solved < 0 ? "-" : std::to_string(solved).c_str(), r.eval_before,
                      r.eval_after, r.seconds);
        }
        char row[256];
        std::snprintf(row, sizeof row, "| %s | %s | %s | %.1f (%.1f) | %.1f |\n", algo.c_str(),
                      env.c_str(), solved_cells.c_str(), eval_sum / seeds, eval_min,
                      seconds / seeds);
        table += row;
        train::NamedBand band{.label = algo};
        for (std::size_t i = 0; i < grid.size(); ++i) {
          double lo = INFINITY, hi = -INFINITY, sum = 0;
          int n = 0;
          for (const auto& c : curves)
            if (std::isfinite(c[i])) {
              lo = std::min(lo, c[i]);
              hi = std::max(hi, c[i]);
              sum += c[i];
              ++n;
            }
          if (n < seeds) continue;  // the band starts once every seed has finished an episode
          band.x.push_back(grid[i]);
          band.mean.push_back(sum / n);
          band.lower.push_back(lo);
          band.upper.push_back(hi);
        }
        if (!band.x.empty()) panel.bands.push_back(band);
      }
      panels.push_back(panel);
    }
    std::printf("\n%s", table.c_str());
    write_file_atomic(opt.out_dir + "/rl_study.md", table);
    train::plot_band_panels(panels, opt.out_dir + "/rl_study.png");
    std::printf("wrote %s/rl_study.md and %s/rl_study.png\n", opt.out_dir.c_str(),
                opt.out_dir.c_str());
    return examples::report({.example = opt.name,
                             .loss = "",
                             .family = "policy_gradient",
                             .metric = "mean score",
                             .before = 0.0,
                             .after = score_sum / runs,
                             .higher_is_better = true},
                            opt);
  });
}
