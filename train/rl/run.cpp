// The trainer dispatch of train/rl/run.h.
#include "train/rl/run.h"

#include <algorithm>

#include "tensor/error.h"
#include "train/rl/a2c.h"
#include "train/rl/ppo.h"
#include "train/rl/reinforce.h"
#include "train/rl/vpg.h"

namespace minidl::train::rl {
namespace {

bool normalized_env(const std::string& env) { return env == "Acrobot-v1" || env == "Pendulum-v1"; }

template <class R>
RunResult from(R&& r) {
  RunResult out;
  out.episodes = std::move(r.episodes);
  out.log = std::move(r.log);
  out.total_steps = r.total_steps;
  out.seconds = r.seconds;
  out.eval_before = r.eval_before;
  out.eval_after = r.eval_after;
  return out;
}

}  // namespace

const std::vector<std::string>& algorithm_names() {
  static const std::vector<std::string> names = {"reinforce", "reinforce_baseline", "vpg", "a2c",
                                                 "ppo"};
  return names;
}

std::int64_t default_budget(const std::string& algorithm, const std::string& env) {
  if (algorithm == "ppo") return ppo_settings(env).total_steps;
  if (algorithm == "a2c") return env == "Pendulum-v1" ? 1000000 : 500000;  // the Zoo's a2c.yml
  return 200000;  // Spinning Up's 50 epochs x 4000 steps; REINFORCE's cap
}

double solved_return(const std::string& env) {
  if (env == "CartPole-v1") return 475.0;
  if (env == "Acrobot-v1") return -100.0;
  if (env == "Pendulum-v1") return -300.0;
  MINIDL_FAIL("solved_return: no threshold for ", env);
}

std::int64_t steps_to_solve(const EpisodeHistory& h, double threshold, std::int64_t window) {
  double sum = 0;
  for (std::size_t i = 0; i < h.returns.size(); ++i) {
    sum += h.returns[i];
    if (i >= static_cast<std::size_t>(window)) sum -= h.returns[i - window];
    if (i + 1 >= static_cast<std::size_t>(window) && sum / static_cast<double>(window) >= threshold)
      return h.end_steps[i];
  }
  return -1;
}

RunResult run_algorithm(const RunSpec& s) {
  const std::int64_t budget =
      s.total_steps > 0 ? s.total_steps : default_budget(s.algorithm, s.env);
  const bool norm = normalized_env(s.env);
  const double gamma = s.env == "Pendulum-v1" ? 0.9 : 0.99;
  if (s.algorithm == "ppo") {
    PpoOptions o = ppo_settings(s.env);
    o.total_steps = budget;
    o.seed = s.seed;
    o.eval_episodes = s.eval_episodes;
    o.log_path = s.log_path;
    o.verbose = s.verbose;
    o.curve_path = s.curve_path;
    o.on_log = s.on_log;
    return from(ppo(o));
  }
  if (s.algorithm == "a2c") {
    A2cOptions o;
    o.env = s.env;
    o.total_steps = budget;
    o.num_envs = s.env == "Acrobot-v1" ? 16 : 8;
    o.gamma = gamma;
    o.normalize_obs = o.normalize_reward = norm;
    o.seed = s.seed;
    o.eval_episodes = s.eval_episodes;
    o.log_path = s.log_path;
    o.verbose = s.verbose;
    o.curve_path = s.curve_path;
    o.on_log = s.on_log;
    return from(a2c(o));
  }
  if (s.algorithm == "vpg" || s.algorithm == "reinforce_baseline") {
    VpgOptions o = s.algorithm == "vpg" ? VpgOptions{} : reinforce_baseline_settings();
    o.env = s.env;
    o.total_steps = budget;
    o.steps_per_epoch = std::min(o.steps_per_epoch, budget);  // short runs: one shorter epoch
    o.gamma = gamma;
    o.normalize_obs = o.normalize_reward = norm;
    o.seed = s.seed;
    o.eval_episodes = s.eval_episodes;
    o.log_path = s.log_path;
    o.verbose = s.verbose;
    o.curve_path = s.curve_path;
    o.on_log = s.on_log;
    return from(vpg(o));
  }
  MINIDL_CHECK(s.algorithm == "reinforce", "run_algorithm: unknown algorithm '", s.algorithm,
               "' (reinforce, reinforce_baseline, vpg, a2c, ppo)");
  ReinforceOptions o;
  o.env = s.env;
  o.max_episodes = 1000000;
  o.max_steps = budget;
  // Its stop rule counts episode lengths (CartPole's 475): elsewhere it runs the whole budget.
  if (s.env != "CartPole-v1") o.solved_length = 0;
  o.seed = s.seed;
  o.eval_episodes = s.eval_episodes;
  o.log_path = s.log_path;
  o.verbose = s.verbose;
  o.curve_path = s.curve_path;
  o.on_log = s.on_log;
  ReinforceResult r = reinforce(o);
  RunResult out;
  std::int64_t steps = 0;
  for (std::size_t i = 0; i < r.returns.size(); ++i) {
    steps += r.lengths[i];
    out.episodes.returns.push_back(r.returns[i]);
    out.episodes.lengths.push_back(r.lengths[i]);
    out.episodes.end_steps.push_back(steps);
  }
  out.episodes.total_steps = r.total_steps;
  out.total_steps = r.total_steps;
  out.seconds = r.seconds;
  out.log = std::move(r.log);
  out.eval_before = r.eval_before;
  out.eval_after = r.eval_after;
  return out;
}

}  // namespace minidl::train::rl
