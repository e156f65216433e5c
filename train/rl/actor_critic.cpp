// The shared actor-critic pieces of train/rl/actor_critic.h.
#include "train/rl/actor_critic.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/tape.h"
#include "nn/activation.h"
#include "nn/init.h"
#include "nn/linear.h"
#include "rl/distributions.h"
#include "rl/wrappers.h"
#include "tensor/error.h"
#include "tensor/file_util.h"
#include "tensor/ops.h"
#include "train/band_plot.h"
#include "train/rl/log_util.h"

namespace minidl::train::rl {
namespace {

std::shared_ptr<nn::Sequential> mlp(std::int64_t in, const NetOptions& o, std::int64_t out,
                                    double head_gain, Generator& gen) {
  auto model = std::make_shared<nn::Sequential>();
  auto linear = [&](std::int64_t a, std::int64_t b, double gain) {
    auto layer = std::make_shared<nn::Linear>(a, b, gen);
    if (o.init == Init::kOrthogonal) {
      Tensor w = layer->weight().value();
      nn::init::orthogonal_(w, gen, gain);
      Tensor bias = layer->bias().value();
      nn::init::zeros_(bias);
    }
    model->add(layer);
  };
  for (std::int64_t h : o.hidden) {
    linear(in, h, std::sqrt(2.0));
    if (o.activation == Activation::kTanh)
      model->add(std::make_shared<nn::Tanh>());
    else
      model->add(std::make_shared<nn::ReLU>());
    in = h;
  }
  linear(in, out, head_gain);
  return model;
}

}  // namespace

ActorCritic::ActorCritic(const minidl::rl::Space& observation, const minidl::rl::Space& action,
                         const NetOptions& o, Generator& gen)
    : Module("ActorCritic"),
      discrete_(action.is_discrete()),
      obs_dim_(observation.flat_size()),
      act_dim_(action.is_discrete() ? action.n : action.flat_size()) {
  MINIDL_CHECK(!observation.is_discrete(), "ActorCritic: needs a Box observation space, got ",
               observation.repr());
  actor_ = register_module("actor", mlp(obs_dim_, o, act_dim_, 0.01, gen));
  critic_ = register_module("critic", mlp(obs_dim_, o, 1, 1.0, gen));
  if (!discrete_)
    log_std_ = &register_parameter("log_std", full({act_dim_}, o.log_std_init, kFloat32));
}

std::vector<Variable> ActorCritic::actor_parameters() const {
  std::vector<Variable> p = actor_->parameters();
  if (log_std_ != nullptr) p.push_back(*log_std_);
  return p;
}

std::vector<Variable> ActorCritic::critic_parameters() const { return critic_->parameters(); }

ActorCritic::Act ActorCritic::act(const Tensor& obs, Generator& gen) {
  NoGradGuard no_grad;
  const Variable out = actor_->forward(Variable(obs));
  Act a;
  Tensor lp;
  if (discrete_) {
    minidl::rl::Categorical pi(out);
    a.actions = pi.sample(gen);
    lp = pi.log_prob(a.actions).value();
  } else {
    minidl::rl::DiagGaussian pi(out, *log_std_);
    a.actions = pi.sample(gen);
    lp = pi.log_prob(a.actions).value();
  }
  a.log_probs = lp.to(kFloat64).to_vector();
  return a;
}

Tensor ActorCritic::greedy(const Tensor& obs) {
  NoGradGuard no_grad;
  const Variable out = actor_->forward(Variable(obs));
  return discrete_ ? argmax(out.value(), 1) : out.value();
}

Tensor ActorCritic::values(const Tensor& obs) {
  NoGradGuard no_grad;
  return critic_->forward(Variable(obs)).value().reshape({obs.size(0)}).to(kFloat64);
}

ActorCritic::Eval ActorCritic::evaluate(const Tensor& obs, const Tensor& actions) {
  const Variable out = actor_->forward(Variable(obs));
  Eval e;
  if (discrete_) {
    minidl::rl::Categorical pi(out);
    e.log_prob = minidl::to(pi.log_prob(actions), kFloat64);
    e.entropy = minidl::to(pi.entropy(), kFloat64);
  } else {
    minidl::rl::DiagGaussian pi(out, *log_std_);
    e.log_prob = minidl::to(pi.log_prob(actions), kFloat64);
    e.entropy = minidl::to(pi.entropy(), kFloat64);
  }
  e.value = minidl::to(reshape(critic_->forward(Variable(obs)), {obs.size(0)}), kFloat64);
  return e;
}

Variable ActorCritic::evaluate_value(const Tensor& obs) {
  return minidl::to(reshape(critic_->forward(Variable(obs)), {obs.size(0)}), kFloat64);
}

std::unique_ptr<minidl::rl::Env> make_training_env(const EnvOptions& o) {
  std::unique_ptr<minidl::rl::Env> env = minidl::rl::make_env(o.env);
  // The Gaussian's samples are unbounded; the environment sees them clipped (the log-prob is of
  // the unclipped sample, as in CleanRL).
  if (!env->action_space().is_discrete())
    env = std::make_unique<minidl::rl::ClipAction>(std::move(env));
  if (o.normalize_obs) {
    env = std::make_unique<minidl::rl::NormalizeObservation>(std::move(env));
    env = std::make_unique<minidl::rl::ClipObservation>(std::move(env), o.clip_obs);
  }
  if (o.normalize_reward) {
    env = std::make_unique<minidl::rl::NormalizeReward>(std::move(env), o.reward_gamma);
    env = std::make_unique<minidl::rl::ClipReward>(std::move(env), o.clip_reward);
  }
  return env;
}

Rollout collect_rollout(minidl::rl::VecEnv& envs, ActorCritic& model, Tensor& obs, std::int64_t T,
                        Generator& gen, EpisodeHistory& history) {
  const ProfileScope profiled("rollout");  // autograd/profiler.h (when one runs)
  const std::int64_t n = envs.num_envs(), d = envs.observation_space().flat_size();
  const std::int64_t a_dim = model.discrete() ? 1 : envs.action_space().flat_size();
  Rollout r;
  r.T = T;
  r.N = n;
  r.obs = Tensor({T * n, d}, kFloat32);
  r.actions = model.discrete() ? Tensor({T * n}, kInt64) : Tensor({T * n, a_dim}, kFloat32);
  const std::size_t size = static_cast<std::size_t>(T * n);
  r.log_probs.resize(size);
  r.values.resize(size);
  r.rewards.resize(size);
  r.terminated.resize(size);
  r.truncated.resize(size);
  r.next_values.assign(size, 0.0);
  for (std::int64_t t = 0; t < T; ++t) {
    std::memcpy(r.obs.data<float>() + t * n * d, obs.data<float>(),
                static_cast<std::size_t>(n * d) * sizeof(float));
    ActorCritic::Act act = model.act(obs, gen);
    const Tensor v = model.values(obs);
    if (model.discrete()) {
      std::memcpy(r.actions.data<std::int64_t>() + t * n, act.actions.data<std::int64_t>(),
                  static_cast<std::size_t>(n) * sizeof(std::int64_t));
    } else {
      const Tensor a = act.actions.to(kFloat32);
      std::memcpy(r.actions.data<float>() + t * n * a_dim, a.data<float>(),
                  static_cast<std::size_t>(n * a_dim) * sizeof(float));
    }
    for (std::int64_t j = 0; j < n; ++j) {
      r.log_probs[t * n + j] = act.log_probs[j];
      r.values[t * n + j] = v.data<double>()[j];
    }
    minidl::rl::VecStepResult s = envs.step(act.actions);
    for (std::int64_t j = 0; j < n; ++j) {
      r.rewards[t * n + j] = s.rewards[j];
      r.terminated[t * n + j] = s.terminated[j] ? 1.0 : 0.0;
      r.truncated[t * n + j] = s.truncated[j] && !s.terminated[j] ? 1.0 : 0.0;
      if (r.truncated[t * n + j] != 0)
        r.next_values[t * n + j] = model.values(s.final_obs[j].reshape({1, d})).at(0);
    }
    history.total_steps += n;
    for (const minidl::rl::EpisodeStats& e : s.finished) {
      history.returns.push_back(e.ret);
      history.lengths.push_back(e.length);
      history.end_steps.push_back(history.total_steps);
    }
    obs = s.obs;
  }
  r.last_value = model.values(obs);
  return r;
}

minidl::rl::GaeResult rollout_advantages(const Rollout& r, double gamma, double lambda) {
  const Shape s{r.T, r.N};
  return minidl::rl::gae({.rewards = from_vector(r.rewards, s),
                          .values = from_vector(r.values, s),
                          .terminated = from_vector(r.terminated, s),
                          .truncated = from_vector(r.truncated, s),
                          .next_values = from_vector(r.next_values, s),
                          .last_value = r.last_value},
                         gamma, lambda);
}

void add_episode_stats(Logs& row, const EpisodeHistory& h, std::int64_t window) {
  const auto total = static_cast<std::int64_t>(h.returns.size());
  const std::int64_t k = std::min(window, total);
  const double nan = std::nan("");
  double m = 0, ss = 0, len = 0;
  for (std::int64_t i = total - k; i < total; ++i) {
    m += h.returns[i] / static_cast<double>(k);
    len += static_cast<double>(h.lengths[i]) / static_cast<double>(k);
  }
  for (std::int64_t i = total - k; i < total; ++i) ss += (h.returns[i] - m) * (h.returns[i] - m);
  row["AverageEpRet"] = k > 0 ? m : nan;
  row["StdEpRet"] = k > 0 ? std::sqrt(ss / static_cast<double>(k)) : nan;
  row["EpLen"] = k > 0 ? len : nan;
  row["TotalEnvInteracts"] = static_cast<double>(h.total_steps);
}

double explained_variance(const Tensor& returns, const std::vector<double>& values) {
  const std::vector<double> y = returns.to_vector();
  const double n = static_cast<double>(y.size());
  double my = 0, me = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    my += y[i] / n;
    me += (y[i] - values[i]) / n;
  }
  double vy = 0, ve = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    vy += (y[i] - my) * (y[i] - my);
    ve += (y[i] - values[i] - me) * (y[i] - values[i] - me);
  }
  return vy > 0 ? 1 - ve / vy : std::nan("");
}

void LossSums::add(double loss_pi, double loss_v, double entropy, double kl, double explained_var) {
  const double x[5] = {loss_pi, loss_v, entropy, kl, explained_var};
  for (std::size_t i = 0; i < 5; ++i)
    if (std::isfinite(x[i])) {
      sums_[i] += x[i];
      ++counts_[i];
    }
}

Logs LossSums::row(std::int64_t epoch, const EpisodeHistory& history, std::int64_t window) {
  static const char* const kKeys[5] = {"LossPi", "LossV", "Entropy", "KL", "ExplainedVar"};
  Logs row{{"Epoch", static_cast<double>(epoch)}, {"EvalRet", std::nan("")}};
  for (std::size_t i = 0; i < 5; ++i)
    row[kKeys[i]] = counts_[i] > 0 ? sums_[i] / static_cast<double>(counts_[i]) : std::nan("");
  add_episode_stats(row, history, window);
  sums_.assign(5, 0.0);
  counts_.assign(5, 0);
  return row;
}

void TrainerClock::start() { start_ = std::chrono::steady_clock::now(); }

double TrainerClock::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void emit_row(Logs row, const TrainerClock& clock, std::vector<Logs>& log,
              const std::string& log_path, const std::function<void(const Logs&)>& on_log) {
  row["Time"] = clock.seconds();
  log.push_back(row);
  if (!log_path.empty()) write_file_atomic(log_path, spinning_up_jsonl(log));
  if (on_log) on_log(log.back());
}

RlProgress::RlProgress(int verbose, std::int64_t iterations)
    : progress_({.verbose = verbose, .unit = "iter", .value_name = "AverageEpRet"}) {
  progress_.begin_epoch(0, 1, iterations);
}

void RlProgress::update(std::int64_t iteration, const Logs& row) {
  const auto it = row.find("AverageEpRet");
  progress_.batch(iteration, it == row.end() ? std::nan("") : it->second);
}

void RlProgress::finish(const std::string& line) { progress_.message(line); }

void write_learning_curve(const EpisodeHistory& h, const std::string& png_path,
                          const std::string& title, std::int64_t window) {
  if (h.returns.size() < 2) return;
  std::vector<double> px, py;
  Band band;
  double sum = 0, sum_sq = 0;
  const auto w = static_cast<std::size_t>(std::max<std::int64_t>(window, 1));
  for (std::size_t i = 0; i < h.returns.size(); ++i) {
    const double x = static_cast<double>(h.end_steps[i]);
    px.push_back(x);
    py.push_back(h.returns[i]);
    sum += h.returns[i];
    sum_sq += h.returns[i] * h.returns[i];
    if (i >= w) {
      sum -= h.returns[i - w];
      sum_sq -= h.returns[i - w] * h.returns[i - w];
    }
    const double k = static_cast<double>(std::min(i + 1, w));
    const double m = sum / k, sd = std::sqrt(std::max(sum_sq / k - m * m, 0.0));
    band.x.push_back(x);
    band.mean.push_back(m);
    band.lower.push_back(m - sd);
    band.upper.push_back(m + sd);
  }
  plot_band(px, py, band, png_path,
            {.title = title,
             .xlabel = "environment steps",
             .ylabel = "episode return",
             .band_label = "+- 1 std over the last " + std::to_string(window) + " episodes",
             .mean_label = "mean return, last " + std::to_string(window) + " episodes",
             .points_label = "one episode"});
}

void finish_run(const std::string& algorithm, const std::string& env, const EpisodeHistory& h,
                double seconds, double eval, bool evaluated, const std::string& curve_path,
                RlProgress& progress) {
  if (!curve_path.empty())
    write_learning_curve(h, curve_path, algorithm + " on " + env + ": episode returns");
  char line[256];
  std::snprintf(line, sizeof line, "%s on %s: %zu episodes, %lld steps in %.1f s",
                algorithm.c_str(), env.c_str(), h.returns.size(),
                static_cast<long long>(h.total_steps), seconds);
  std::string text = line;
  if (evaluated) {
    std::snprintf(line, sizeof line, ", greedy evaluation return %.1f", eval);
    text += line;
  }
  progress.finish(text);
}

double evaluate_policy(const EnvOptions& env_options, minidl::rl::VecEnv* envs, ActorCritic& model,
                       std::int64_t episodes, std::uint64_t seed) {
  MINIDL_CHECK(episodes >= 1, "evaluate_policy: episodes must be >= 1, got ", episodes);
  EnvOptions o = env_options;
  o.normalize_reward = false;
  std::unique_ptr<minidl::rl::Env> env = make_training_env(o);
  if (auto* norm = minidl::rl::find_wrapper<minidl::rl::NormalizeObservation>(*env)) {
    if (envs != nullptr)
      if (auto* src = minidl::rl::find_wrapper<minidl::rl::NormalizeObservation>(envs->env(0)))
        norm->set_stats(src->stats());
    norm->set_update(false);
  }
  const std::int64_t d = env->observation_space().flat_size();
  double total = 0;
  for (std::int64_t e = 0; e < episodes; ++e) {
    Tensor obs = env->reset(seed + static_cast<std::uint64_t>(e));
    for (bool done = false; !done;) {
      const Tensor a = model.greedy(obs.reshape({1, d}));
      minidl::rl::StepResult r =
          env->step(model.discrete() ? a.reshape({}) : a.reshape(env->action_space().shape));
      total += r.reward;
      obs = r.obs;
      done = r.done();
    }
  }
  return total / static_cast<double>(episodes);
}

}  // namespace minidl::train::rl
