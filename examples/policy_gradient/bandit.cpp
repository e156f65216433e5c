// bandit example: the policy gradient on a 10-armed Gaussian bandit, against the optimal arm.
//
// Sutton & Barto's gradient bandit (2018, section 2.8) is REINFORCE with a baseline on a
// one-step episode: preferences H (the logits of a softmax policy, one per arm), one pull
// a ~ softmax(H), reward R ~ N(q*_a, 1), and one SGD step (lr 0.1) on
//   reinforce_loss(H, a, R - Rbar),  Rbar = the running mean of the rewards so far,
// whose gradient step is exactly the book's update H_b += lr (R - Rbar)([b = a] - pi_b).
// The bandit (rl::GaussianBandit, q*_a ~ N(0, 1)) is fixed by --seed; 5 runs with their own
// reward noise and action samples. The metric: the regret per pull, max_a q*_a - q*_{A_t},
// averaged over the runs, in the first 100 pulls -> the last 100. Writes <out>/regret.png: the
// cumulative regret (mean over runs, min..max band) against the uniform random policy's
// expected regret (dashed).
//
//   bandit [--quick] [--steps PULLS] [--out DIR] [--seed S]
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "autograd/tape.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/policy_gradient.h"
#include "optim/sgd.h"
#include "rl/distributions.h"
#include "rl/envs.h"
#include "tensor/file_util.h"
#include "train/band_plot.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "bandit", .steps = 2000, .budget = examples::Budget::kSteps};
  examples::Flags app{"minidl example: bandit, the gradient bandit (REINFORCE with a baseline)"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    std::filesystem::create_directories(opt.out_dir);
    const std::int64_t pulls = opt.quick ? 1000 : opt.steps, runs = 5, arms = 10;
    rl::GaussianBandit bandit({.arms = arms, .means_seed = opt.seed});
    const std::vector<double>& q = bandit.means();
    const double best = q[bandit.optimal_arm()];
    const double random_regret =
        best - std::accumulate(q.begin(), q.end(), 0.0) / static_cast<double>(arms);
    std::vector<std::vector<double>> regret(runs, std::vector<double>(pulls));
    for (std::int64_t run = 0; run < runs; ++run) {
      Generator gen(opt.seed * 1000 + static_cast<std::uint64_t>(run));
      bandit.reset(opt.seed * 1000 + static_cast<std::uint64_t>(run));
      Variable h(zeros({1, arms}), true);
      optim::SGD sgd({h}, {.lr = 0.1});
      double baseline = 0;
      for (std::int64_t t = 0; t < pulls; ++t) {
        const Tensor a = rl::Categorical(h.detach()).sample(gen);
        const double r = bandit.step(a.data<std::int64_t>()[0]).reward;
        bandit.reset();
        baseline += (r - baseline) / static_cast<double>(t + 1);
        const Variable loss =
            losses::reinforce_loss(h, Variable(a), Variable(full({1}, r - baseline)));
        sgd.zero_grad();
        backward(loss);
        sgd.step();
        regret[run][t] = best - q[a.data<std::int64_t>()[0]];
      }
    }
    auto window_mean = [&](std::int64_t from, std::int64_t n) {
      double s = 0;
      for (const auto& r : regret)
        for (std::int64_t t = from; t < from + n; ++t) s += r[t];
      return s / static_cast<double>(runs * n);
    };
    const std::int64_t w = std::min<std::int64_t>(100, pulls / 2);
    const double before = window_mean(0, w), after = window_mean(pulls - w, w);
    train::Band band;
    std::vector<double> cum(runs, 0.0);
    for (std::int64_t t = 0; t < pulls; ++t) {
      for (std::int64_t r = 0; r < runs; ++r) cum[r] += regret[r][t];
      band.x.push_back(static_cast<double>(t + 1));
      band.mean.push_back(std::accumulate(cum.begin(), cum.end(), 0.0) / runs);
      band.lower.push_back(*std::min_element(cum.begin(), cum.end()));
      band.upper.push_back(*std::max_element(cum.begin(), cum.end()));
      band.truth.push_back(random_regret * static_cast<double>(t + 1));
    }
    train::plot_band({}, {}, band, opt.out_dir + "/regret.png",
                     {.title = "gradient bandit, 10 arms: cumulative regret (dashed: uniform)",
                      .xlabel = "pull",
                      .ylabel = "cumulative regret",
                      .band_label = "min..max over 5 runs",
                      .mean_label = "mean over 5 runs",
                      .truth_label = "uniform random policy (expected)"});
    std::printf("optimal arm %lld (q* = %.3f); uniform policy regret %.3f per pull\n",
                static_cast<long long>(bandit.optimal_arm()), best, random_regret);
    std::printf(
        "regret per pull %.3f (first %lld pulls) -> %.3f (last %lld), cumulative %.1f "
        "after %lld pulls (uniform: %.1f); %s\n",
        before, static_cast<long long>(w), after, static_cast<long long>(w), band.mean.back(),
        static_cast<long long>(pulls), band.truth.back(), (opt.out_dir + "/regret.png").c_str());
    return examples::report({.example = opt.name,
                             .loss = "",
                             .family = "policy_gradient",
                             .metric = "regret per pull",
                             .before = before,
                             .after = after,
                             .higher_is_better = false},
                            opt);
  });
}
