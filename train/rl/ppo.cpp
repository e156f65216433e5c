// PPO-clip (the algorithm, defaults and sources are in ppo.h).
#include "train/rl/ppo.h"

#include <algorithm>
#include <cmath>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "losses/policy_gradient.h"
#include "optim/adam.h"
#include "optim/clip.h"
#include "rl/returns.h"
#include "rl/vec_env.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/rl/checkpoint.h"

namespace minidl::train::rl {

PpoOptions ppo_settings(const std::string& env) {
  PpoOptions o;
  o.env = env;
  if (env == "CartPole-v1") {
    o.total_steps = 100000;
    o.num_envs = 8;
    o.num_steps = 32;
    o.num_minibatches = 1;
    o.update_epochs = 20;
    o.gamma = 0.98;
    o.gae_lambda = 0.8;
    o.lr = 1e-3;
    o.anneal_clip = true;
    o.ent_coef = 0.0;
    o.clip_vloss = false;  // SB3's clip_range_vf = None
  } else if (env == "Acrobot-v1") {
    o.total_steps = 200000;
    o.num_envs = 16;
    o.num_steps = 256;
    o.num_minibatches = 64;
    o.update_epochs = 4;
    o.gae_lambda = 0.94;
    o.lr = 3e-4;
    o.ent_coef = 0.0;
    o.clip_vloss = false;
    o.normalize_obs = o.normalize_reward = true;
  } else if (env == "Pendulum-v1") {
    o.total_steps = 300000;
    o.num_envs = 1;
    o.num_steps = 2048;
    o.num_minibatches = 32;
    o.update_epochs = 10;
    o.lr = 3e-4;
    o.gamma = 0.9;
    o.ent_coef = 0.0;
    o.normalize_obs = o.normalize_reward = true;
  }
  return o;
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
  const EnvOptions env_options{.env = o.env,
                               .normalize_obs = o.normalize_obs,
                               .normalize_reward = o.normalize_reward,
                               .reward_gamma = o.gamma};
  minidl::rl::VecEnv envs([&] { return make_training_env(env_options); }, o.num_envs);

  Generator gen(o.seed);
  PpoResult res;
  res.model =
      std::make_shared<ActorCritic>(envs.observation_space(), envs.action_space(), o.net, gen);
  ActorCritic& model = *res.model;
  const std::vector<Variable> params = model.parameters();
  optim::Adam adam(params, {.lr = o.lr, .eps = 1e-5});

  Tensor obs;
  const RlTrainState state{model, {&adam},      gen,     &envs,          nullptr,
                           obs,   res.episodes, res.log, res.eval_before};
  std::int64_t first = 0;
  if (!o.resume_from.empty()) {
    first = load_rl_checkpoint(o.resume_from, state);
  } else {
    if (o.eval_episodes > 0)
      res.eval_before = evaluate_policy(env_options, nullptr, model, o.eval_episodes, o.eval_seed);
    obs = envs.reset(o.seed);
  }
  const std::int64_t last =
      o.stop_after > 0 ? std::min(iterations, first + o.stop_after) : iterations;
  TrainerClock clock;
  RlProgress progress(o.verbose, iterations);
  clock.start();
  for (std::int64_t it = first; it < last; ++it) {
    const ProfileScope step("rl_iteration", ProfileKind::kStep);  // one update (profiler.h)
    const double frac = 1.0 - static_cast<double>(it) / static_cast<double>(iterations);
    if (o.anneal_lr) adam.set_lr(frac * o.lr);
    const double clip_eps = o.anneal_clip ? frac * o.clip_eps : o.clip_eps;
    const Rollout r = collect_rollout(envs, model, obs, o.num_steps, gen, res.episodes);
    const minidl::rl::GaeResult g = rollout_advantages(r, o.gamma, o.gae_lambda);
    const Tensor adv_all = g.advantages.reshape({batch});
    const Tensor ret_all = g.returns.reshape({batch});
    const Tensor logp_all = from_vector(r.log_probs), val_all = from_vector(r.values);

    double sum_pi = 0, sum_v = 0, sum_h = 0, sum_kl = 0, sum_clip = 0;
    std::int64_t count = 0;
    for (std::int64_t epoch = 0; epoch < o.update_epochs; ++epoch) {
      const Tensor perm = permutation(batch, gen);
      for (std::int64_t s = 0; s < batch; s += mb) {
        const Tensor idx = perm.narrow_rows(s, mb);
        Tensor mb_adv = index_select(adv_all, 0, idx);
        if (o.norm_adv) mb_adv = minidl::rl::normalize(mb_adv, 1e-8);
        const ActorCritic::Eval e =
            model.evaluate(index_select(r.obs, 0, idx), index_select(r.actions, 0, idx));
        const Variable old_logp(index_select(logp_all, 0, idx));
        Variable entropy, pg, vl, loss;
        {
          NameScope scope("loss");  // the tape and the DOT export group the loss's nodes under it
          entropy = mean(e.entropy);
          pg =
              losses::ppo_clip_loss(e.log_prob, old_logp, Variable(mb_adv), {.clip_eps = clip_eps});
          vl = losses::ppo_value_loss(e.value, Variable(index_select(val_all, 0, idx)),
                                      Variable(index_select(ret_all, 0, idx)),
                                      {.clip_eps = clip_eps, .clip_vloss = o.clip_vloss});
          loss = pg - o.ent_coef * entropy + o.vf_coef * vl;
        }
        adam.zero_grad();
        backward(loss);
        optim::clip_grad_norm_(params, o.max_grad_norm);
        adam.step();
        {
          // CleanRL's diagnostics: approx_kl = mean((r - 1) - log r), clipfrac = mean(|r - 1| > e).
          const std::vector<double> lp_new = e.log_prob.value().to_vector();
          const std::vector<double> lp_old = old_logp.value().to_vector();
          double kl = 0, clipped = 0;
          for (std::size_t i = 0; i < lp_new.size(); ++i) {
            const double log_ratio = lp_new[i] - lp_old[i], ratio = std::exp(log_ratio);
            kl += (ratio - 1) - log_ratio;
            clipped += std::abs(ratio - 1) > clip_eps ? 1.0 : 0.0;
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
    Logs row{{"Epoch", static_cast<double>(it)},
             {"LossPi", sum_pi / c},
             {"LossV", sum_v / c},
             {"Entropy", sum_h / c},
             {"KL", sum_kl / c},
             {"ClipFrac", sum_clip / c},
             {"ExplainedVar", explained_variance(ret_all, r.values)},
             {"EvalRet", std::nan("")}};
    add_episode_stats(row, res.episodes, o.window);
    if (o.eval_episodes > 0 && o.eval_every > 0 && (it + 1) % o.eval_every == 0)
      row["EvalRet"] = evaluate_policy(env_options, &envs, model, o.eval_episodes, o.eval_seed);
    emit_row(row, clock, res.log, o.log_path, o.on_log);
    progress.update(it, res.log.back());
    if (!o.checkpoint_path.empty()) save_rl_checkpoint(o.checkpoint_path, state, it + 1);
  }
  res.total_steps = res.episodes.total_steps;
  res.seconds = clock.seconds();
  if (o.eval_episodes > 0)
    res.eval_after = evaluate_policy(env_options, &envs, model, o.eval_episodes, o.eval_seed);
  finish_run("ppo", o.env, res.episodes, res.seconds, res.eval_after, o.eval_episodes > 0,
             o.curve_path, progress);
  return res;
}

}  // namespace minidl::train::rl
