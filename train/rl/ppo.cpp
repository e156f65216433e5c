// PPO-clip (the algorithm, defaults and sources are in ppo.h).
#include "train/rl/ppo.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "losses/policy_gradient.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "optim/clip.h"
#include "rl/distributions.h"
#include "rl/env.h"
#include "rl/returns.h"
#include "rl/vec_env.h"
#include "tensor/error.h"
#include "tensor/file_util.h"
#include "tensor/ops.h"
#include "train/rl/log_util.h"

namespace minidl::train::rl {
namespace {

using Clock = std::chrono::steady_clock;

std::shared_ptr<nn::Sequential> tanh_mlp(std::int64_t in, const std::vector<std::int64_t>& hidden,
                                         std::int64_t out, Generator& gen) {
  auto model = std::make_shared<nn::Sequential>();
  for (std::int64_t h : hidden) {
    model->add(std::make_shared<nn::Linear>(in, h, gen));
    model->add(std::make_shared<nn::Tanh>());
    in = h;
  }
  model->add(std::make_shared<nn::Linear>(in, out, gen));
  return model;
}

Tensor values_of(nn::Module& critic, const Tensor& obs) {
  NoGradGuard no_grad;
  return critic.forward(Variable(obs)).value().reshape({obs.size(0)}).to(kFloat64);
}

}  // namespace

double evaluate_greedy(const std::string& env_id, nn::Module& actor, std::int64_t episodes,
                       std::uint64_t seed) {
  MINIDL_CHECK(episodes >= 1, "evaluate_greedy: episodes must be >= 1, got ", episodes);
  auto env = minidl::rl::make_env(env_id);
  const std::int64_t d = env->observation_space().flat_size();
  double total = 0;
  NoGradGuard no_grad;
  for (std::int64_t e = 0; e < episodes; ++e) {
    Tensor obs = env->reset(seed + static_cast<std::uint64_t>(e));
    for (bool done = false; !done;) {
      const Tensor logits = actor.forward(Variable(obs.reshape({1, d}))).value();
      minidl::rl::StepResult r = env->step(argmax(logits, 1).data<std::int64_t>()[0]);
      total += r.reward;
      obs = r.obs;
      done = r.done();
    }
  }
  return total / static_cast<double>(episodes);
}

PpoResult ppo(const PpoOptions& o) {
  MINIDL_CHECK(
      o.num_envs >= 1 && o.num_steps >= 1 && o.num_minibatches >= 1 && o.update_epochs >= 1,
      "ppo: num_envs, num_steps, num_minibatches and update_epochs must be >= 1");
  const std::int64_t batch = o.num_envs * o.num_steps;
  MINIDL_CHECK(batch % o.num_minibatches == 0, "ppo: num_envs * num_steps = ", batch,
               " is not divisible by num_minibatches = ", o.num_minibatches);
  const std::int64_t mb = batch / o.num_minibatches;
  const std::int64_t iterations = std::max<std::int64_t>(1, o.total_steps / batch);
  minidl::rl::VecEnv envs([&] { return minidl::rl::make_env(o.env); }, o.num_envs);
  MINIDL_CHECK(envs.action_space().is_discrete(), "ppo: needs a Discrete action space, ", o.env,
               " has ", envs.action_space().repr());
  const std::int64_t d = envs.observation_space().flat_size(), n_act = envs.action_space().n;
  const std::int64_t n = o.num_envs, T = o.num_steps;

  Generator gen(o.seed);
  PpoResult res;
  res.actor = tanh_mlp(d, o.hidden, n_act, gen);
  res.critic = tanh_mlp(d, o.hidden, 1, gen);
  std::vector<Variable> params = res.actor->parameters();
  for (const Variable& p : res.critic->parameters()) params.push_back(p);
  optim::Adam adam(params, {.lr = o.lr, .eps = 1e-5});

  if (o.eval_episodes > 0)
    res.eval_before = evaluate_greedy(o.env, *res.actor, o.eval_episodes, o.eval_seed);
  const auto start = Clock::now();
  Tensor obs = envs.reset(o.seed);
  for (std::int64_t it = 0; it < iterations; ++it) {
    if (o.anneal_lr)
      adam.set_lr((1.0 - static_cast<double>(it) / static_cast<double>(iterations)) * o.lr);
    // Rollout: T steps of n environments, time-major [T, n].
    Tensor b_obs({T * n, d}, kFloat32), b_act({T * n}, kInt64);
    std::vector<double> b_logp(T * n), b_val(T * n), rew(T * n), term(T * n), trunc(T * n),
        next_val(T * n, 0.0);
    for (std::int64_t t = 0; t < T; ++t) {
      std::copy(obs.data<float>(), obs.data<float>() + n * d, b_obs.data<float>() + t * n * d);
      Tensor act;
      {
        NoGradGuard no_grad;
        minidl::rl::Categorical pi(res.actor->forward(Variable(obs)));
        act = pi.sample(gen);
        const Tensor lp = pi.log_prob(act).value().to(kFloat64);
        const Tensor v = values_of(*res.critic, obs);
        for (std::int64_t j = 0; j < n; ++j) {
          b_logp[t * n + j] = lp.data<double>()[j];
          b_val[t * n + j] = v.data<double>()[j];
          b_act.data<std::int64_t>()[t * n + j] = act.data<std::int64_t>()[j];
        }
      }
      minidl::rl::VecStepResult r = envs.step(act);
      for (std::int64_t j = 0; j < n; ++j) {
        rew[t * n + j] = r.rewards[j];
        term[t * n + j] = r.terminated[j] ? 1.0 : 0.0;
        trunc[t * n + j] = r.truncated[j] && !r.terminated[j] ? 1.0 : 0.0;
        if (trunc[t * n + j] != 0)
          next_val[t * n + j] = values_of(*res.critic, r.final_obs[j].reshape({1, d})).at(0);
      }
      for (const minidl::rl::EpisodeStats& e : r.finished) {
        res.returns.push_back(e.ret);
        res.lengths.push_back(e.length);
      }
      obs = r.obs;
      res.total_steps += n;
    }
    const minidl::rl::GaeResult g = minidl::rl::gae({.rewards = from_vector(rew, {T, n}),
                                                     .values = from_vector(b_val, {T, n}),
                                                     .terminated = from_vector(term, {T, n}),
                                                     .truncated = from_vector(trunc, {T, n}),
                                                     .next_values = from_vector(next_val, {T, n}),
                                                     .last_value = values_of(*res.critic, obs)},
                                                    o.gamma, o.gae_lambda);
    const Tensor adv_all = g.advantages.reshape({T * n});
    const Tensor ret_all = g.returns.reshape({T * n});
    const Tensor logp_all = from_vector(b_logp), val_all = from_vector(b_val);

    double sum_pi = 0, sum_v = 0, sum_h = 0, sum_kl = 0, sum_clip = 0;
    std::int64_t count = 0;
    for (std::int64_t epoch = 0; epoch < o.update_epochs; ++epoch) {
      const Tensor perm = permutation(batch, gen);
      for (std::int64_t s = 0; s < batch; s += mb) {
        const Tensor idx = perm.narrow_rows(s, mb);
        const Tensor mb_obs = index_select(b_obs, 0, idx);
        const Tensor mb_act = index_select(b_act, 0, idx);
        Tensor mb_adv = index_select(adv_all, 0, idx);
        if (o.norm_adv) mb_adv = minidl::rl::normalize(mb_adv, 1e-8);
        minidl::rl::Categorical pi(res.actor->forward(Variable(mb_obs)));
        const Variable new_logp = to(pi.log_prob(mb_act), kFloat64);
        const Variable entropy = mean(pi.entropy());
        const Variable new_v = to(reshape(res.critic->forward(Variable(mb_obs)), {mb}), kFloat64);
        const Variable old_logp(index_select(logp_all, 0, idx));
        const Variable pg =
            losses::ppo_clip_loss(new_logp, old_logp, Variable(mb_adv), {.clip_eps = o.clip_eps});
        const Variable vl = losses::ppo_value_loss(
            new_v, Variable(index_select(val_all, 0, idx)), Variable(index_select(ret_all, 0, idx)),
            {.clip_eps = o.clip_eps, .clip_vloss = o.clip_vloss});
        const Variable loss = pg - o.ent_coef * to(entropy, kFloat64) + o.vf_coef * vl;
        adam.zero_grad();
        backward(loss);
        optim::clip_grad_norm_(params, o.max_grad_norm);
        adam.step();
        {
          // CleanRL's diagnostics: approx_kl = mean((r - 1) - log r), clipfrac = mean(|r - 1| > e).
          const std::vector<double> lr_new = new_logp.value().to_vector();
          const std::vector<double> lr_old = old_logp.value().to_vector();
          double kl = 0, clipped = 0;
          for (std::size_t i = 0; i < lr_new.size(); ++i) {
            const double log_ratio = lr_new[i] - lr_old[i], ratio = std::exp(log_ratio);
            kl += (ratio - 1) - log_ratio;
            clipped += std::abs(ratio - 1) > o.clip_eps ? 1.0 : 0.0;
          }
          sum_kl += kl / static_cast<double>(mb);
          sum_clip += clipped / static_cast<double>(mb);
        }
        sum_pi += pg.item();
        sum_v += vl.item();
        sum_h += entropy.item();
        ++count;
      }
    }
    const double c = static_cast<double>(count);
    const std::int64_t k = std::min<std::int64_t>(o.window, res.returns.size());
    double m = 0, ss = 0, len = 0;
    for (std::int64_t i = static_cast<std::int64_t>(res.returns.size()) - k;
         i < static_cast<std::int64_t>(res.returns.size()); ++i) {
      m += res.returns[i] / static_cast<double>(k);
      len += static_cast<double>(res.lengths[i]) / static_cast<double>(k);
    }
    for (std::int64_t i = static_cast<std::int64_t>(res.returns.size()) - k;
         i < static_cast<std::int64_t>(res.returns.size()); ++i)
      ss += (res.returns[i] - m) * (res.returns[i] - m);
    const double nan = std::nan("");
    // CleanRL's explained_variance = 1 - var(returns - values) / var(returns), with the values
    // the rollout saw.
    double explained = nan;
    {
      const std::vector<double> y = ret_all.to_vector();
      double my = 0, me = 0;
      for (std::size_t i = 0; i < y.size(); ++i) {
        my += y[i] / static_cast<double>(y.size());
        me += (y[i] - b_val[i]) / static_cast<double>(y.size());
      }
      double vy = 0, ve = 0;
      for (std::size_t i = 0; i < y.size(); ++i) {
        vy += (y[i] - my) * (y[i] - my);
        ve += (y[i] - b_val[i] - me) * (y[i] - b_val[i] - me);
      }
      if (vy > 0) explained = 1 - ve / vy;
    }
    Logs row{{"Epoch", static_cast<double>(it)},
             {"AverageEpRet", k > 0 ? m : nan},
             {"StdEpRet", k > 0 ? std::sqrt(ss / static_cast<double>(k)) : nan},
             {"EpLen", k > 0 ? len : nan},
             {"TotalEnvInteracts", static_cast<double>(res.total_steps)},
             {"LossPi", sum_pi / c},
             {"LossV", sum_v / c},
             {"Entropy", sum_h / c},
             {"KL", sum_kl / c},
             {"ClipFrac", sum_clip / c},
             {"ExplainedVar", explained},
             {"Time", std::chrono::duration<double>(Clock::now() - start).count()}};
    res.log.push_back(row);
    if (!o.log_path.empty()) write_file_atomic(o.log_path, spinning_up_jsonl(res.log));
    if (o.on_log) o.on_log(row);
  }
  res.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (o.eval_episodes > 0)
    res.eval_after = evaluate_greedy(o.env, *res.actor, o.eval_episodes, o.eval_seed);
  return res;
}

}  // namespace minidl::train::rl
