// gaussian_reinforce_loss example: REINFORCE with a diagonal Gaussian policy on a continuous
// control task, a point mass pushed back to the origin.
//
// The task (defined below as an rl::Env, so anyone can reproduce it): position x, velocity v,
// x0 ~ U(-1, 1), v0 = 0; the action u (one real number, clipped to [-1, 1]) is a force:
//   v' = 0.9 v + 0.1 u,  x' = x + 0.1 v',  reward -(x'^2 + 0.01 u^2),  40 steps per episode.
// Doing nothing scores about -13 per episode (x stays near x0); a good linear feedback
// u = -20 x - 10 v (clipped) scores about -2. The policy: mean = MLP 2-32-1 (tanh), log_std a [1]
// parameter starting at -0.5 (Spinning Up's init), both trained by gaussian_reinforce_loss with
// reward-to-go normalised per batch of 8 episodes, Adam(1e-2). The metric: average return of the
// first 100 episodes -> the last 100.
//
//   gaussian_reinforce_loss [--quick] [--epochs BATCHES] [--out DIR] [--seed S]
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/policy_gradient.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "rl/distributions.h"
#include "rl/env.h"
#include "rl/returns.h"
#include "train/rl/reinforce.h"

using namespace minidl;

namespace {

class PointMass : public rl::Env {
 public:
  using Env::step;
  Tensor reset(std::optional<std::uint64_t> seed = std::nullopt) override {
    if (seed) gen_ = rl::detail::env_generator(*seed);
    x_ = rl::detail::uniform(gen_, -1, 1);
    v_ = 0;
    t_ = 0;
    return rl::detail::observation({x_, v_});
  }
  rl::StepResult step(const Tensor& action) override {
    const double u = std::clamp(rl::detail::box_action("PointMass", action, act_)[0], -1.0, 1.0);
    v_ = 0.9 * v_ + 0.1 * u;
    x_ += 0.1 * v_;
    ++t_;
    rl::StepResult r;
    r.reward = -(x_ * x_ + 0.01 * u * u);
    r.truncated = t_ == 40;
    r.obs = rl::detail::observation({x_, v_});
    return r;
  }
  const rl::Space& observation_space() const override { return obs_; }
  const rl::Space& action_space() const override { return act_; }
  std::string name() const override { return "PointMass"; }

 private:
  rl::Space obs_ = rl::Space::box({-10, -10}, {10, 10});
  rl::Space act_ = rl::Space::box({-1}, {1});
  Generator gen_ = rl::detail::env_generator(0);
  double x_ = 0, v_ = 0;
  int t_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "gaussian_reinforce_loss", .epochs = 400};
  examples::Flags app{"minidl example: gaussian_reinforce_loss, REINFORCE on a point mass"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t batches = opt.quick ? 120 : opt.epochs, per_batch = 8;
    Generator gen(opt.seed);
    auto mean_net = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(2, 32, gen),
                                                     std::make_shared<nn::Tanh>(),
                                                     std::make_shared<nn::Linear>(32, 1, gen));
    Variable log_std(full({1}, -0.5), true);
    std::vector<Variable> params = mean_net->parameters();
    params.push_back(log_std);
    optim::Adam adam(params, {.lr = 1e-2});
    PointMass env;
    env.reset(opt.seed);
    std::vector<double> returns;
    for (std::int64_t b = 0; b < batches; ++b) {
      std::vector<float> obs_buf, act_buf;
      std::vector<double> rew, done;
      for (std::int64_t e = 0; e < per_batch; ++e) {
        Tensor obs = env.reset();
        double ep_ret = 0;
        for (bool over = false; !over;) {
          obs_buf.insert(obs_buf.end(), obs.data<float>(), obs.data<float>() + 2);
          Tensor a;
          {
            NoGradGuard no_grad;
            rl::DiagGaussian pi(mean_net->forward(Variable(obs.reshape({1, 2}))), log_std);
            a = pi.sample(gen);
          }
          act_buf.push_back(a.data<float>()[0]);
          rl::StepResult r = env.step(a.reshape({1}));
          rew.push_back(r.reward);
          done.push_back(r.done() ? 1.0 : 0.0);
          ep_ret += r.reward;
          obs = r.obs;
          over = r.done();
        }
        returns.push_back(ep_ret);
      }
      const auto n = static_cast<std::int64_t>(rew.size());
      const Tensor adv =
          rl::normalize(rl::discounted_returns(from_vector(rew), from_vector(done), 0.99));
      const Variable mu = mean_net->forward(Variable(from_vector(obs_buf, {n, 2})));
      const Variable loss = losses::gaussian_reinforce_loss(
          mu, log_std, Variable(from_vector(act_buf, {n, 1})), Variable(adv.to(kFloat32)));
      adam.zero_grad();
      backward(loss);
      adam.step();
      if ((b + 1) % (opt.quick ? 40 : 50) == 0)
        std::printf("batch %4lld  average return (last 100 episodes) %7.3f  sigma %.3f\n",
                    static_cast<long long>(b + 1), train::rl::tail_mean(returns, 100),
                    std::exp(log_std.value().at(0)));
    }
    const std::vector<double> first(returns.begin(), returns.begin() + 100);
    const double before = train::rl::tail_mean(first, 100);
    const double after = train::rl::tail_mean(returns, 100);
    std::printf("average return %.3f -> %.3f over %lld episodes (doing nothing: about -13)\n",
                before, after, static_cast<long long>(returns.size()));
    return examples::report({.example = opt.name,
                             .loss = "gaussian_reinforce_loss",
                             .family = "policy_gradient",
                             .metric = "average return (100 episodes)",
                             .before = before,
                             .after = after,
                             .higher_is_better = true},
                            opt);
  });
}
