// The actor-critic pieces (train/rl/actor_critic.h) and the trainers built on them (PPO, A2C, VPG):
// CleanRL's orthogonal init, rollouts, statistics by hand, short runs bit-reproducible for a
// seed on Discrete and Box action spaces, errors.
#include "train/rl/actor_critic.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>

#include "autograd/tape.h"
#include "nn/linear.h"
#include "rl/envs.h"
#include "rl/wrappers.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/test_util.h"
#include "train/rl/a2c.h"
#include "train/rl/ppo.h"
#include "train/rl/reinforce.h"
#include "train/rl/run.h"
#include "train/rl/vpg.h"

namespace minidl::train::rl {
namespace {

void check_same_parameters(nn::Module& a, nn::Module& b) {
  const auto pa = a.parameters(), pb = b.parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i)
    CHECK(testing::bitwise_equal(pa[i].value(), pb[i].value()));
}

void check_same_logs(const std::vector<Logs>& a, const std::vector<Logs>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    for (const auto& entry : a[i]) {  // not a binding: CAPTURE's lambda (clang < 16)
      const std::string& k = entry.first;
      const double v = entry.second;
      if (k == "Time") continue;
      CAPTURE(k);
      CHECK(((std::isnan(v) && std::isnan(b[i].at(k))) || v == b[i].at(k)));
    }
}

Tensor weight(nn::Sequential& s, std::size_t child) {
  return std::dynamic_pointer_cast<nn::Linear>(s.children()[child])->weight().value();
}

}  // namespace

TEST_CASE("actor critic: CleanRL's layer_init (orthogonal, gains sqrt 2 / 0.01 / 1, zero bias)") {
  auto env = minidl::rl::make_env("CartPole-v1");
  Generator gen(3);
  ActorCritic m(env->observation_space(), env->action_space(), {}, gen);
  CHECK(m.discrete());
  // actor: Linear(4, 64) Tanh Linear(64, 64) Tanh Linear(64, 2).
  const Tensor w0 = weight(m.actor(), 0).to(kFloat64);  // [64, 4]: orthonormal columns x sqrt 2
  CHECK_TENSOR_CLOSE(matmul(w0, w0, true, false), mul(eye(4, -1, kFloat64), 2.0), 1e-5, 1e-5);
  const Tensor head = weight(m.actor(), 4).to(kFloat64);  // [2, 64]: orthonormal rows x 0.01
  CHECK_TENSOR_CLOSE(matmul(head, head, false, true), mul(eye(2, -1, kFloat64), 1e-4), 1e-9, 1e-9);
  const Tensor vhead = weight(m.critic(), 4).to(kFloat64);  // [1, 64]: a unit row
  CHECK(sum(mul(vhead, vhead)).item() == doctest::Approx(1.0).epsilon(1e-6));
  for (const auto& [name, p] : m.named_parameters())
    if (name.find("bias") != std::string::npos) CHECK(amax(abs(p.value())).item() == 0.0);
  // Box actions add the state-independent log_std.
  auto pendulum = minidl::rl::make_env("Pendulum-v1");
  ActorCritic g(pendulum->observation_space(), pendulum->action_space(), {.log_std_init = -0.5},
                gen);
  CHECK(!g.discrete());
  CHECK(g.parameter("log_std").value().at(0) == -0.5f);
  CHECK(g.actor_parameters().size() == g.actor().parameters().size() + 1);
  const Tensor obs = zeros({3, 3});
  CHECK(g.greedy(obs).shape() == Shape{3, 1});
  const ActorCritic::Eval e = g.evaluate(obs, zeros({3, 1}));
  CHECK(e.log_prob.value().shape() == Shape{3});
  // H of N(mu, sigma^2) = 1/2 + log(2 pi)/2 + log sigma.
  CHECK(e.entropy.value().at(0) == doctest::Approx(0.5 + 0.5 * std::log(2 * M_PI) - 0.5));
}

TEST_CASE("actor critic: a rollout is time-major; episode statistics and explained variance") {
  minidl::rl::VecEnv envs([] { return make_training_env({}); }, 2);
  Generator gen(1);
  ActorCritic m(envs.observation_space(), envs.action_space(), {}, gen);
  Tensor obs = envs.reset(7);
  const Tensor first = obs.clone();
  EpisodeHistory h;
  const Rollout r = collect_rollout(envs, m, obs, 30, gen, h);
  CHECK(r.obs.shape() == Shape{60, 4});
  CHECK(r.actions.shape() == Shape{60});
  CHECK(h.total_steps == 60);
  CHECK(testing::bitwise_equal(r.obs.narrow_rows(0, 2), first));
  double ended = 0;
  for (double t : r.terminated) ended += t;
  CHECK(static_cast<double>(h.returns.size()) == ended);  // CartPole ends only by termination here
  for (std::size_t i = 0; i < h.returns.size(); ++i) CHECK(h.returns[i] == h.lengths[i]);
  // Statistics by hand: returns 1, 3 in a window of 2 -> mean 2, std 1.
  EpisodeHistory hist{.returns = {5, 1, 3}, .lengths = {5, 1, 3}, .end_steps = {5, 6, 9}};
  hist.total_steps = 9;
  Logs row;
  add_episode_stats(row, hist, 2);
  CHECK(row.at("AverageEpRet") == 2.0);
  CHECK(row.at("StdEpRet") == 1.0);
  CHECK(row.at("EpLen") == 2.0);
  CHECK(row.at("TotalEnvInteracts") == 9.0);
  // returns (1, 2, 3), values (1, 2, 2): var(residual (0, 0, 1)) = 2/9, var(returns) = 2/3.
  CHECK(explained_variance(from_vector(std::vector<double>{1, 2, 3}), {1, 2, 2}) ==
        doctest::Approx(1 - (2.0 / 9) / (2.0 / 3)));
  CHECK(std::isnan(explained_variance(from_vector(std::vector<double>{1, 1}), {0, 1})));
}

TEST_CASE("ppo: a short run is bit-reproducible for a seed, Discrete and Box") {
  PpoOptions o{.total_steps = 512, .num_envs = 2, .num_steps = 64, .seed = 5, .eval_episodes = 1};
  const PpoResult a = ppo(o), b = ppo(o);
  CHECK(a.total_steps == 512);
  CHECK(a.episodes.returns == b.episodes.returns);
  check_same_parameters(*a.model, *b.model);
  check_same_logs(a.log, b.log);
  CHECK(a.log.size() == 4);
  for (const char* key : {"AverageEpRet", "StdEpRet", "EpLen", "TotalEnvInteracts", "LossPi",
                          "LossV", "Entropy", "KL", "ClipFrac", "Time", "EvalRet"})
    CHECK_MESSAGE(a.log.back().count(key) == 1, key);
  CHECK(a.eval_after == b.eval_after);
  // Pendulum with CleanRL's continuous wrappers (normalised observations and rewards); the
  // logged returns are the environment's own (about -1000 to -1600 per 200-step episode at first).
  PpoOptions c = ppo_settings("Pendulum-v1");
  c.total_steps = 800;
  c.num_steps = 400;
  c.num_minibatches = 4;
  c.update_epochs = 2;
  c.eval_episodes = 1;
  c.eval_every = 2;
  const PpoResult x = ppo(c), y = ppo(c);
  check_same_parameters(*x.model, *y.model);
  check_same_logs(x.log, y.log);
  REQUIRE(x.episodes.returns.size() == 4);
  CHECK(x.episodes.returns[0] < -100);
  CHECK(std::isfinite(x.log.back().at("EvalRet")));
  CHECK(x.eval_after == y.eval_after);
  CHECK_THROWS_WITH_AS(ppo({.num_envs = 3, .num_steps = 5, .num_minibatches = 4}),
                       doctest::Contains("not divisible by num_minibatches"), Error);
}

TEST_CASE("ppo: the tuned settings follow their sources") {
  const PpoOptions cp = ppo_settings("CartPole-v1");  // the RL Zoo's ppo.yml
  CHECK(cp.num_envs * cp.num_steps == 256);
  CHECK(cp.update_epochs == 20);
  CHECK(cp.gae_lambda == 0.8);
  CHECK(cp.gamma == 0.98);
  CHECK(cp.anneal_clip);
  CHECK(ppo_settings("Acrobot-v1").normalize_obs);
  CHECK(ppo_settings("Pendulum-v1").gamma == 0.9);
  CHECK(ppo_settings("MountainCar-v0").num_envs == PpoOptions{}.num_envs);
}

TEST_CASE("a2c and vpg: short runs are bit-reproducible and log Spinning Up's keys") {
  A2cOptions a{.total_steps = 400, .num_envs = 4, .seed = 2, .log_every = 5, .eval_episodes = 1};
  const A2cResult a1 = a2c(a), a2 = a2c(a);
  CHECK(a1.total_steps == 400);
  CHECK(a1.log.size() == 4);
  check_same_parameters(*a1.model, *a2.model);
  check_same_logs(a1.log, a2.log);
  CHECK(a1.eval_after == a2.eval_after);
  VpgOptions v{.total_steps = 600, .steps_per_epoch = 200, .train_v_iters = 5, .eval_episodes = 1};
  const VpgResult v1 = vpg(v), v2 = vpg(v);
  CHECK(v1.log.size() == 3);
  check_same_parameters(*v1.model, *v2.model);
  check_same_logs(v1.log, v2.log);
  for (const char* key : {"AverageEpRet", "StdEpRet", "EpLen", "TotalEnvInteracts", "LossPi",
                          "LossV", "Entropy", "KL", "Time"})
    CHECK_MESSAGE(v1.log.back().count(key) == 1, key);
  // REINFORCE with a baseline is VPG with lambda 1; a different lambda, a different run.
  VpgOptions rb = reinforce_baseline_settings();
  CHECK(rb.lam == 1.0);
  rb.total_steps = 600;
  rb.steps_per_epoch = 200;
  rb.train_v_iters = 5;
  rb.eval_episodes = 1;
  const VpgResult r1 = vpg(rb);
  CHECK(r1.episodes.returns == v1.episodes.returns);  // the same first rollout...
  CHECK_FALSE(testing::bitwise_equal(r1.model->parameters()[0].value(),
                                     v1.model->parameters()[0].value()));  // ...other updates
  // The Gaussian policy on Pendulum.
  VpgOptions vp{.env = "Pendulum-v1",
                .total_steps = 400,
                .steps_per_epoch = 200,
                .train_v_iters = 2,
                .eval_episodes = 1};
  CHECK(vpg(vp).log.size() == 2);
  CHECK_THROWS_WITH_AS(a2c({.num_steps = 0}), doctest::Contains("a2c: num_envs"), Error);
}

// The scopes of the tape nodes alive when a trainer logs a row: the loss of the update just made
// is still held by the loop, so its nodes show which NameScope recorded them.
std::set<std::string> live_scopes() {
  std::set<std::string> scopes;
  for (const TapeNode& n : tape_nodes()) scopes.insert(n.scope);
  return scopes;
}

TEST_CASE("rl trainers: the losses are recorded under NameScopes, like fit's \"loss\"") {
  std::set<std::string> a2c_scopes, vpg_scopes, reinforce_scopes;
  a2c({.total_steps = 40,
       .num_envs = 2,
       .log_every = 1,
       .eval_episodes = 0,
       .on_log = [&](const Logs&) { a2c_scopes = live_scopes(); }});
  CHECK(a2c_scopes.count("loss") == 1);
  vpg({.total_steps = 200,
       .steps_per_epoch = 100,
       .train_v_iters = 1,
       .eval_episodes = 0,
       .on_log = [&](const Logs&) { vpg_scopes = live_scopes(); }});
  CHECK(vpg_scopes.count("pi_loss") == 1);
  reinforce({.max_episodes = 2, .log_every = 1, .on_log = [&](const Logs&) {
               reinforce_scopes = live_scopes();
             }});
  CHECK(reinforce_scopes.count("loss") == 1);
  for (const auto* scopes : {&a2c_scopes, &vpg_scopes, &reinforce_scopes})
    CHECK_MESSAGE(scopes->size() > 1, "only one scope: the model's ops are not told apart");
  CHECK(std::string(current_scope()).empty());  // every scope popped again
}

TEST_CASE("actor critic: the learning-curve PNG of a run, none before 2 episodes") {
  const std::string png =
      (std::filesystem::temp_directory_path() / "minidl_rl_curve_test.png").string();
  std::filesystem::remove(png);
  A2cOptions a{.total_steps = 400, .num_envs = 4, .eval_episodes = 0, .curve_path = png};
  const A2cResult r = a2c(a);
  REQUIRE(r.episodes.returns.size() >= 2);
  CHECK(std::filesystem::file_size(png) > 1000);
  std::filesystem::remove(png);
  write_learning_curve({.returns = {1}, .lengths = {1}, .end_steps = {1}}, png, "one episode");
  CHECK_FALSE(std::filesystem::exists(png));
}

TEST_CASE("run: steps to solve by hand, REINFORCE's step cap, unknown names") {
  // Windows of 2: (1, 3) mean 2, (3, 5) mean 4 >= 4 -> solved when the third episode ended.
  EpisodeHistory h{.returns = {1, 3, 5, 6}, .lengths = {1, 3, 5, 6}, .end_steps = {1, 4, 9, 15}};
  CHECK(steps_to_solve(h, 4.0, 2) == 9);
  CHECK(steps_to_solve(h, 7.0, 2) == -1);
  CHECK(steps_to_solve(h, 0.0, 5) == -1);  // fewer episodes than the window
  CHECK(solved_return("CartPole-v1") == 475.0);
  const RunResult r = run_algorithm(
      {.algorithm = "reinforce", .env = "CartPole-v1", .total_steps = 300, .eval_episodes = 1});
  CHECK(r.total_steps >= 300);
  CHECK(r.total_steps - r.episodes.lengths.back() < 300);
  CHECK(r.episodes.end_steps.back() == r.total_steps);
  CHECK_THROWS_WITH_AS(run_algorithm({.algorithm = "dqn"}),
                       doctest::Contains("run_algorithm: unknown algorithm 'dqn'"), Error);
  CHECK(algorithm_names().size() == 5);
}

}  // namespace minidl::train::rl
