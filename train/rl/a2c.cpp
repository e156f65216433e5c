// A2C (the algorithm, defaults and sources are in a2c.h).
#include "train/rl/a2c.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "losses/regression.h"
#include "optim/clip.h"
#include "optim/rmsprop.h"
#include "rl/returns.h"
#include "rl/vec_env.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/rl/checkpoint.h"

namespace minidl::train::rl {

A2cResult a2c(const A2cOptions& o) {
  MINIDL_CHECK(o.num_envs >= 1 && o.num_steps >= 1 && o.log_every >= 1,
               "a2c: num_envs, num_steps and log_every must be >= 1");
  const std::int64_t batch = o.num_envs * o.num_steps;
  const std::int64_t updates = std::max<std::int64_t>(1, o.total_steps / batch);
  const EnvOptions env_options{.env = o.env,
                               .normalize_obs = o.normalize_obs,
                               .normalize_reward = o.normalize_reward,
                               .reward_gamma = o.gamma};
  minidl::rl::VecEnv envs([&] { return make_training_env(env_options); }, o.num_envs);
  Generator gen(o.seed);
  A2cResult res;
  res.model =
      std::make_shared<ActorCritic>(envs.observation_space(), envs.action_space(), o.net, gen);
  ActorCritic& model = *res.model;
  const std::vector<Variable> params = model.parameters();
  optim::RMSprop opt(params, {.lr = o.lr, .alpha = o.rms_alpha, .eps = o.rms_eps});
  TrainerClock clock;
  RlProgress progress(o.verbose, updates);
  Tensor obs;
  const RlTrainState state{model, {&opt},       gen,     &envs,          nullptr,
                           obs,   res.episodes, res.log, res.eval_before};
  std::int64_t first = 0;
  if (!o.resume_from.empty()) {
    first = load_rl_checkpoint(o.resume_from, state);
  } else {
    if (o.eval_episodes > 0)
      res.eval_before = evaluate_policy(env_options, nullptr, model, o.eval_episodes, o.eval_seed);
    obs = envs.reset(o.seed);
  }
  const std::int64_t last = o.stop_after > 0 ? std::min(updates, first + o.stop_after) : updates;
  clock.start();
  LossSums sums;
  for (std::int64_t u = first; u < last; ++u) {
    const ProfileScope step("rl_iteration", ProfileKind::kStep);  // one update (profiler.h)
    const Rollout r = collect_rollout(envs, model, obs, o.num_steps, gen, res.episodes);
    const minidl::rl::GaeResult g = rollout_advantages(r, o.gamma, o.gae_lambda);
    Tensor adv = g.advantages.reshape({batch});
    if (o.norm_adv) adv = minidl::rl::normalize(adv, 1e-8);
    const ActorCritic::Eval e = model.evaluate(r.obs, r.actions);
    Variable pg, entropy, vl, loss;
    {
      NameScope scope("loss");  // the tape and the DOT export group the loss's nodes under it
      pg = neg(mean(mul(e.log_prob, Variable(adv))));
      entropy = mean(e.entropy);
      vl = losses::mse_loss(e.value, Variable(g.returns.reshape({batch})));
      loss = pg - o.ent_coef * entropy + o.vf_coef * vl;
    }
    opt.zero_grad();
    backward(loss);
    optim::clip_grad_norm_(params, o.max_grad_norm);
    opt.step();
    sums.add(pg.item(), vl.item(), entropy.item(), std::nan(""),
             explained_variance(g.returns.reshape({batch}), r.values));
    if ((u + 1) % o.log_every == 0 || u + 1 == updates) {
      const auto row_index = static_cast<std::int64_t>(res.log.size());
      const bool eval =
          o.eval_episodes > 0 && o.eval_every > 0 && (row_index + 1) % o.eval_every == 0;
      Logs row = sums.row(row_index, res.episodes, o.window);
      if (eval)
        row["EvalRet"] = evaluate_policy(env_options, &envs, model, o.eval_episodes, o.eval_seed);
      emit_row(row, clock, res.log, o.log_path, o.on_log);
      if (!o.checkpoint_path.empty()) save_rl_checkpoint(o.checkpoint_path, state, u + 1);
    }
    if (!res.log.empty()) progress.update(u, res.log.back());
  }
  res.total_steps = res.episodes.total_steps;
  res.seconds = clock.seconds();
  if (o.eval_episodes > 0)
    res.eval_after = evaluate_policy(env_options, &envs, model, o.eval_episodes, o.eval_seed);
  finish_run("a2c", o.env, res.episodes, res.seconds, res.eval_after, o.eval_episodes > 0,
             o.curve_path, progress);
  return res;
}

}  // namespace minidl::train::rl
