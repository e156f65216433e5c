// Exact resume of the actor-critic trainers: 2 iterations, a checkpoint, 1 more from the file ==
// 3 iterations straight, bit for bit (parameters, episodes, log rows but Time, evaluation), for
// PPO on CartPole and on Pendulum with the normalising wrappers, A2C, VPG and REINFORCE; errors.
#include "train/rl/checkpoint.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "tensor/error.h"
#include "tests/test_util.h"
#include "train/rl/a2c.h"
#include "train/rl/ppo.h"
#include "train/rl/reinforce.h"
#include "train/rl/vpg.h"

namespace minidl::train::rl {
namespace {

std::string temp(const char* name) {
  return (std::filesystem::temp_directory_path() / name).string();
}

template <class R>
void check_same_run(const R& a, const R& b) {
  const auto pa = a.model->parameters(), pb = b.model->parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i)
    CHECK(testing::bitwise_equal(pa[i].value(), pb[i].value()));
  CHECK(a.episodes.returns == b.episodes.returns);
  CHECK(a.episodes.end_steps == b.episodes.end_steps);
  CHECK(a.total_steps == b.total_steps);
  REQUIRE(a.log.size() == b.log.size());
  for (std::size_t i = 0; i < a.log.size(); ++i)
    for (const auto& [k, v] : a.log[i]) {
      if (k == "Time") continue;
      CAPTURE(i);
      CAPTURE(k);
      REQUIRE(b.log[i].count(k) == 1);
      CHECK(((std::isnan(v) && std::isnan(b.log[i].at(k))) || v == b.log[i].at(k)));
    }
  CHECK(a.eval_before == b.eval_before);
  CHECK(a.eval_after == b.eval_after);
}

}  // namespace

TEST_CASE("rl checkpoint: PPO 2 + 1 iterations == 3 iterations, CartPole and Pendulum") {
  const std::string ck = temp("minidl_ppo_ck_test.safetensors");
  PpoOptions cart{
      .total_steps = 384, .num_envs = 2, .num_steps = 64, .seed = 4, .eval_episodes = 1};
  PpoOptions pend = ppo_settings("Pendulum-v1");
  pend.total_steps = 3 * 256;
  pend.num_steps = 256;
  pend.num_minibatches = 4;
  pend.update_epochs = 2;
  pend.eval_episodes = 1;
  for (PpoOptions o : {cart, pend}) {
    CAPTURE(o.env);
    const PpoResult straight = ppo(o);
    REQUIRE(straight.log.size() == 3);
    PpoOptions first = o;
    first.stop_after = 2;
    first.checkpoint_path = ck;
    const PpoResult part = ppo(first);
    CHECK(part.log.size() == 2);
    PpoOptions second = o;
    second.resume_from = ck;
    const PpoResult resumed = ppo(second);
    check_same_run(straight, resumed);
  }
  std::filesystem::remove(ck);
}

TEST_CASE("rl checkpoint: A2C and VPG resume exactly; a wrong file is refused") {
  const std::string ck = temp("minidl_a2c_ck_test.safetensors");
  A2cOptions a{.total_steps = 240, .num_envs = 4, .seed = 3, .log_every = 4, .eval_episodes = 1};
  const A2cResult a_straight = a2c(a);
  A2cOptions a1 = a;
  a1.stop_after = 8;
  a1.checkpoint_path = ck;
  a2c(a1);
  A2cOptions a2 = a;
  a2.resume_from = ck;
  check_same_run(a_straight, a2c(a2));

  VpgOptions v{.total_steps = 600, .steps_per_epoch = 200, .train_v_iters = 3, .eval_episodes = 1};
  const VpgResult v_straight = vpg(v);
  VpgOptions v1 = v;
  v1.stop_after = 2;
  v1.checkpoint_path = ck;
  vpg(v1);
  VpgOptions v2 = v;
  v2.resume_from = ck;
  check_same_run(v_straight, vpg(v2));
  // A VPG checkpoint holds two optimizers and another network: PPO cannot load it.
  PpoOptions p{.total_steps = 128, .num_envs = 1, .num_steps = 128, .resume_from = ck};
  CHECK_THROWS_AS(ppo(p), Error);
  std::filesystem::remove(ck);
  CHECK_THROWS_AS(ppo(p), Error);
}

TEST_CASE("rl checkpoint: REINFORCE 8 + 4 episodes == 12 episodes") {
  const std::string ck = temp("minidl_reinforce_ck_test.safetensors");
  ReinforceOptions o{.max_episodes = 12, .log_every = 4, .seed = 6, .eval_episodes = 1};
  const ReinforceResult straight = reinforce(o);
  ReinforceOptions first = o;
  first.stop_after = 8;
  first.checkpoint_path = ck;
  CHECK(reinforce(first).returns.size() == 8);
  ReinforceOptions second = o;
  second.resume_from = ck;
  const ReinforceResult resumed = reinforce(second);
  const auto pa = straight.policy->parameters(), pb = resumed.policy->parameters();
  REQUIRE(pa.size() == pb.size());
  for (std::size_t i = 0; i < pa.size(); ++i)
    CHECK(testing::bitwise_equal(pa[i].value(), pb[i].value()));
  CHECK(straight.returns == resumed.returns);
  CHECK(straight.total_steps == resumed.total_steps);
  REQUIRE(straight.log.size() == resumed.log.size());
  for (std::size_t i = 0; i < straight.log.size(); ++i)
    for (const auto& [k, v] : straight.log[i])
      if (k != "Time") CHECK(v == resumed.log[i].at(k));
  CHECK(straight.eval_before == resumed.eval_before);
  CHECK(straight.eval_after == resumed.eval_after);
  std::filesystem::remove(ck);
}

}  // namespace minidl::train::rl
