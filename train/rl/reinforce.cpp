// REINFORCE (the algorithm, defaults and sources are in reinforce.h).
#include "train/rl/reinforce.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "losses/policy_gradient.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "rl/distributions.h"
#include "rl/env.h"
#include "rl/returns.h"
#include "tensor/error.h"
#include "tensor/file_util.h"
#include "tensor/ops.h"
#include "train/rl/actor_critic.h"
#include "train/rl/checkpoint.h"
#include "train/rl/log_util.h"

namespace minidl::train::rl {
namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<nn::Sequential> make_policy(std::int64_t obs,
                                            const std::vector<std::int64_t>& hidden,
                                            std::int64_t actions, Generator& gen) {
  auto model = std::make_shared<nn::Sequential>();
  std::int64_t in = obs;
  for (std::int64_t h : hidden) {
    model->add(std::make_shared<nn::Linear>(in, h, gen));
    model->add(std::make_shared<nn::ReLU>());
    in = h;
  }
  model->add(std::make_shared<nn::Linear>(in, actions, gen));
  return model;
}

}  // namespace

double evaluate_greedy(const std::string& env_id, nn::Module& policy, std::int64_t episodes,
                       std::uint64_t seed) {
  MINIDL_CHECK(episodes >= 1, "evaluate_greedy: episodes must be >= 1, got ", episodes);
  auto env = minidl::rl::make_env(env_id);
  const std::int64_t d = env->observation_space().flat_size();
  double total = 0;
  NoGradGuard no_grad;
  for (std::int64_t e = 0; e < episodes; ++e) {
    Tensor obs = env->reset(seed + static_cast<std::uint64_t>(e));
    for (bool done = false; !done;) {
      const Tensor logits = policy.forward(Variable(obs.reshape({1, d}))).value();
      const minidl::rl::StepResult r = env->step(argmax(logits, 1).data<std::int64_t>()[0]);
      total += r.reward;
      obs = r.obs;
      done = r.done();
    }
  }
  return total / static_cast<double>(episodes);
}

double tail_mean(const std::vector<double>& v, std::int64_t n) {
  if (v.empty()) return 0.0;
  const std::size_t k = std::min<std::size_t>(v.size(), static_cast<std::size_t>(n));
  double s = 0;
  for (std::size_t i = v.size() - k; i < v.size(); ++i) s += v[i];
  return s / static_cast<double>(k);
}

ReinforceResult reinforce(const ReinforceOptions& o) {
  MINIDL_CHECK(o.max_episodes >= 1, "reinforce: max_episodes must be >= 1, got ", o.max_episodes);
  MINIDL_CHECK(o.window >= 1 && o.log_every >= 1, "reinforce: window and log_every must be >= 1");
  MINIDL_CHECK(o.gamma >= 0 && o.gamma <= 1, "reinforce: gamma must be in [0, 1], got ", o.gamma);
  std::unique_ptr<minidl::rl::Env> env = minidl::rl::make_env(o.env);
  MINIDL_CHECK(env->action_space().is_discrete(), "reinforce: needs a Discrete action space, ",
               o.env, " has ", env->action_space().repr());
  const std::int64_t obs_dim = env->observation_space().flat_size();
  Generator gen(o.seed);
  ReinforceResult res;
  res.policy = make_policy(obs_dim, o.hidden, env->action_space().n, gen);
  optim::Adam adam(res.policy->parameters(), {.lr = o.lr});
  // The checkpoint keeps the episodes as an EpisodeHistory; res.returns/lengths mirror it.
  EpisodeHistory history;
  Tensor no_obs;
  const RlTrainState state{*res.policy, {&adam}, gen,     nullptr,        env.get(),
                           no_obs,      history, res.log, res.eval_before};
  std::int64_t first = 0;
  if (!o.resume_from.empty()) {
    first = load_rl_checkpoint(o.resume_from, state);
    res.returns = history.returns;
    res.lengths = history.lengths;
    res.total_steps = history.total_steps;
  } else if (o.eval_episodes > 0) {
    res.eval_before = evaluate_greedy(o.env, *res.policy, o.eval_episodes, o.eval_seed);
  }
  const std::int64_t last =
      o.stop_after > 0 ? std::min(o.max_episodes, first + o.stop_after) : o.max_episodes;

  RlProgress progress(o.verbose, o.max_episodes);
  const auto start = Clock::now();
  std::vector<float> obs_buf;
  std::vector<std::int64_t> act_buf;
  std::vector<double> rew_buf;
  double loss_sum = 0, entropy_sum = 0;
  std::int64_t updates = 0;
  for (std::int64_t ep = first; ep < last; ++ep) {
    const ProfileScope step("rl_iteration", ProfileKind::kStep);  // one update (profiler.h)
    Tensor obs = ep == 0 ? env->reset(o.seed) : env->reset();
    obs_buf.clear();
    act_buf.clear();
    rew_buf.clear();
    bool done = false;
    while (!done) {
      const float* p = obs.data<float>();
      obs_buf.insert(obs_buf.end(), p, p + obs_dim);
      std::int64_t a;
      {
        NoGradGuard no_grad;
        const Variable logits = res.policy->forward(Variable(obs.reshape({1, obs_dim})));
        a = minidl::rl::Categorical(logits).sample(gen).data<std::int64_t>()[0];
      }
      act_buf.push_back(a);
      minidl::rl::StepResult r = env->step(a);
      rew_buf.push_back(r.reward);
      obs = r.obs;
      done = r.done();
    }
    const auto t_len = static_cast<std::int64_t>(rew_buf.size());
    // A truncated episode is treated like a terminated one (no bootstrap): REINFORCE has no
    // value function, and the reference does the same.
    std::vector<double> dones(rew_buf.size(), 0.0);
    dones.back() = 1.0;
    const Tensor returns = minidl::rl::normalize(
        minidl::rl::discounted_returns(from_vector(rew_buf), from_vector(dones), o.gamma), o.eps);
    const Variable states(from_vector(obs_buf, {t_len, obs_dim}));
    const Variable logits = res.policy->forward(states);
    // The reference sums over the episode: T times the mean that reinforce_loss takes.
    Variable loss;
    {
      NameScope scope("loss");  // the tape and the DOT export group the loss's nodes under it
      loss =
          losses::reinforce_loss(logits, Variable(from_vector(act_buf)),
                                 Variable(returns.to(kFloat32)), {.entropy_coef = o.entropy_coef}) *
          static_cast<double>(t_len);
    }
    adam.zero_grad();
    backward(loss);
    adam.step();
    loss_sum += loss.item();
    {
      NoGradGuard no_grad;
      entropy_sum += mean(minidl::rl::Categorical(logits.detach()).entropy()).item();
    }
    ++updates;

    double ep_ret = 0;
    for (double x : rew_buf) ep_ret += x;
    res.returns.push_back(ep_ret);
    res.lengths.push_back(t_len);
    res.total_steps += t_len;
    history.returns.push_back(ep_ret);
    history.lengths.push_back(t_len);
    history.total_steps = res.total_steps;
    history.end_steps.push_back(res.total_steps);
    std::vector<double> lens(res.lengths.begin(), res.lengths.end());
    const bool solved =
        o.solved_length > 0 && ep + 1 >= o.window && tail_mean(lens, o.window) >= o.solved_length;
    const bool out_of_steps = o.max_steps > 0 && res.total_steps >= o.max_steps;
    if ((ep + 1) % o.log_every == 0 || solved || out_of_steps || ep + 1 == o.max_episodes) {
      const std::int64_t k = std::min<std::int64_t>(o.window, ep + 1);
      std::vector<double> last(res.returns.end() - k, res.returns.end());
      const double m = tail_mean(last, k);
      double ss = 0;
      for (double x : last) ss += (x - m) * (x - m);
      Logs row{{"Epoch", static_cast<double>(res.log.size())},
               {"Episodes", static_cast<double>(ep + 1)},
               {"AverageEpRet", m},
               {"StdEpRet", std::sqrt(ss / static_cast<double>(k))},
               {"MaxEpRet", *std::max_element(last.begin(), last.end())},
               {"MinEpRet", *std::min_element(last.begin(), last.end())},
               {"EpLen", tail_mean(lens, k)},
               {"TotalEnvInteracts", static_cast<double>(res.total_steps)},
               {"LossPi", loss_sum / static_cast<double>(updates)},
               {"Entropy", entropy_sum / static_cast<double>(updates)},
               {"Time", std::chrono::duration<double>(Clock::now() - start).count()}};
      loss_sum = entropy_sum = 0;
      updates = 0;
      res.log.push_back(row);
      if (!o.log_path.empty()) write_file_atomic(o.log_path, spinning_up_jsonl(res.log));
      if (o.on_log) o.on_log(row);
      progress.update(ep, row);
      if (!o.checkpoint_path.empty()) save_rl_checkpoint(o.checkpoint_path, state, ep + 1);
    }
    if (solved) {
      res.solved_at = ep + 1;
      break;
    }
    if (out_of_steps) break;
  }
  res.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (o.eval_episodes > 0)
    res.eval_after = evaluate_greedy(o.env, *res.policy, o.eval_episodes, o.eval_seed);
  finish_run("reinforce", o.env, history, res.seconds, res.eval_after, o.eval_episodes > 0,
             o.curve_path, progress);
  return res;
}

}  // namespace minidl::train::rl
