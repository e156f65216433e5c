// VPG with GAE and REINFORCE with a value baseline (the algorithm, defaults and sources are in
// vpg.h).
#include "train/rl/vpg.h"

#include <algorithm>
#include <cmath>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "losses/regression.h"
#include "optim/adam.h"
#include "rl/returns.h"
#include "rl/vec_env.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/rl/checkpoint.h"

namespace minidl::train::rl {

VpgOptions reinforce_baseline_settings() {
  VpgOptions o;
  o.lam = 1.0;
  return o;
}

VpgResult vpg(const VpgOptions& o) {
  MINIDL_CHECK(o.num_envs >= 1 && o.steps_per_epoch >= 1 && o.train_v_iters >= 0,
               "vpg: num_envs and steps_per_epoch must be >= 1, train_v_iters >= 0");
  const std::int64_t batch = o.num_envs * o.steps_per_epoch;
  const std::int64_t epochs = std::max<std::int64_t>(1, o.total_steps / batch);
  const EnvOptions env_options{.env = o.env,
                               .normalize_obs = o.normalize_obs,
                               .normalize_reward = o.normalize_reward,
                               .reward_gamma = o.gamma};
  minidl::rl::VecEnv envs([&] { return make_training_env(env_options); }, o.num_envs);
  Generator gen(o.seed);
  VpgResult res;
  res.model =
      std::make_shared<ActorCritic>(envs.observation_space(), envs.action_space(), o.net, gen);
  ActorCritic& model = *res.model;
  const std::vector<Variable> pi_params = model.actor_parameters();
  const std::vector<Variable> v_params = model.critic_parameters();
  optim::Adam pi_opt(pi_params, {.lr = o.pi_lr});
  optim::Adam v_opt(v_params, {.lr = o.vf_lr});
  TrainerClock clock;
  RlProgress progress(o.verbose, epochs);
  Tensor obs;
  const RlTrainState state{model, {&pi_opt, &v_opt}, gen,     &envs,          nullptr,
                           obs,   res.episodes,      res.log, res.eval_before};
  std::int64_t first = 0;
  if (!o.resume_from.empty()) {
    first = load_rl_checkpoint(o.resume_from, state);
  } else {
    if (o.eval_episodes > 0)
      res.eval_before = evaluate_policy(env_options, nullptr, model, o.eval_episodes, o.eval_seed);
    obs = envs.reset(o.seed);
  }
  const std::int64_t last = o.stop_after > 0 ? std::min(epochs, first + o.stop_after) : epochs;
  clock.start();
  for (std::int64_t epoch = first; epoch < last; ++epoch) {
    const ProfileScope step("rl_iteration", ProfileKind::kStep);  // one update (profiler.h)
    const Rollout r = collect_rollout(envs, model, obs, o.steps_per_epoch, gen, res.episodes);
    const minidl::rl::GaeResult g = rollout_advantages(r, o.gamma, o.lam);
    Tensor adv = g.advantages.reshape({batch});
    if (o.norm_adv) adv = minidl::rl::normalize(adv, 1e-8);
    const Tensor ret = g.returns.reshape({batch});
    // One policy step on the whole epoch.
    const ActorCritic::Eval e = model.evaluate(r.obs, r.actions);
    Variable pg, entropy;
    {
      NameScope scope("pi_loss");  // the tape and the DOT export group the loss's nodes under it
      pg = neg(mean(mul(e.log_prob, Variable(adv))));
      entropy = mean(e.entropy);
    }
    pi_opt.zero_grad();
    backward(pg);
    pi_opt.step();
    // Spinning Up's KL: mean(old log pi - new log pi) over the epoch, after the step.
    double kl = 0;
    {
      NoGradGuard no_grad;
      const std::vector<double> lp = model.evaluate(r.obs, r.actions).log_prob.value().to_vector();
      for (std::size_t i = 0; i < lp.size(); ++i)
        kl += (r.log_probs[i] - lp[i]) / static_cast<double>(lp.size());
    }
    double v_loss = 0;
    for (std::int64_t k = 0; k < o.train_v_iters; ++k) {
      const Variable value = model.evaluate_value(r.obs);
      Variable vl;
      {
        NameScope scope("v_loss");
        vl = losses::mse_loss(value, Variable(ret));
      }
      v_opt.zero_grad();
      backward(vl);
      v_opt.step();
      if (k == 0) v_loss = vl.item();
    }
    LossSums sums;
    sums.add(pg.item(), v_loss, entropy.item(), kl, explained_variance(ret, r.values));
    Logs row = sums.row(epoch, res.episodes, o.window);
    if (o.eval_episodes > 0 && o.eval_every > 0 && (epoch + 1) % o.eval_every == 0)
      row["EvalRet"] = evaluate_policy(env_options, &envs, model, o.eval_episodes, o.eval_seed);
    emit_row(row, clock, res.log, o.log_path, o.on_log);
    progress.update(epoch, res.log.back());
    if (!o.checkpoint_path.empty()) save_rl_checkpoint(o.checkpoint_path, state, epoch + 1);
  }
  res.total_steps = res.episodes.total_steps;
  res.seconds = clock.seconds();
  if (o.eval_episodes > 0)
    res.eval_after = evaluate_policy(env_options, &envs, model, o.eval_episodes, o.eval_seed);
  finish_run(o.lam == 1.0 ? "reinforce with baseline" : "vpg", o.env, res.episodes, res.seconds,
             res.eval_after, o.eval_episodes > 0, o.curve_path, progress);
  return res;
}

}  // namespace minidl::train::rl
