// mc_predict: zero variance without randomness, the mean tends to the eval output, the
// variance is the passes' population variance, modes are restored.
#include "nn/mc_predict.h"

#include <doctest/doctest.h>

#include <cmath>

#include "autograd/functional.h"
#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

std::shared_ptr<Sequential> net(double p, Generator& gen) {
  return std::make_shared<Sequential>(std::make_shared<Linear>(3, 16, gen),
                                      std::make_shared<ReLU>(), std::make_shared<Dropout>(p, gen),
                                      std::make_shared<Linear>(16, 2, gen));
}

TEST_CASE("mc_predict: variance 0 and the eval output at p = 0") {
  Generator gen(1);
  auto model = net(0.0, gen);
  const Tensor x = randn({5, 3}, gen);
  const McPrediction p = mc_predict(*model, x, {.passes = 7});
  model->eval();
  const Tensor eval_out = (*model)(Variable(x)).value().to(kFloat64);
  CHECK(p.passes == 7);
  CHECK(p.mean.shape() == Shape{5, 2});
  CHECK(p.mean.dtype() == kFloat64);
  CHECK_TENSOR_CLOSE(p.mean, eval_out);
  CHECK(amax(p.var).item() == 0.0);
}

TEST_CASE("mc_predict: with dropout the mean tends to the eval output as T grows") {
  Generator gen(2);
  // A linear model (no ReLU after the dropout) so E[output] is exactly the eval output.
  auto model = std::make_shared<Sequential>(std::make_shared<Dropout>(0.3, gen),
                                            std::make_shared<Linear>(8, 1, gen));
  const Tensor x = randn({4, 8}, gen);
  model->eval();
  const std::vector<double> eval_out = (*model)(Variable(x)).value().to_vector();
  auto max_error = [&](std::int64_t passes) {
    const std::vector<double> m = mc_predict(*model, x, {.passes = passes}).mean.to_vector();
    double worst = 0;
    for (std::size_t i = 0; i < m.size(); ++i)
      worst = std::max(worst, std::abs(m[i] - eval_out[i]));
    return worst;
  };
  const double few = max_error(4), many = max_error(4000);
  CHECK(many < few);
  CHECK(many < 0.05);
  const McPrediction p = mc_predict(*model, x, {.passes = 50});
  CHECK(amin(p.var).item() > 0.0);  // the passes disagree
}

TEST_CASE("mc_predict: the variance is the passes' population variance, after the transform") {
  Generator gen(3);
  auto model = net(0.5, gen);
  const Tensor x = randn({3, 3}, gen);
  // The same passes by hand: the dropout streams restart from their saved states.
  const StateDict streams = model->generator_states();
  const auto softmax1 = [](const Variable& out) { return softmax(out, 1); };
  const McPrediction p = mc_predict(*model, x, {.passes = 5, .transform = softmax1});
  model->load_generator_states(streams);
  std::vector<std::vector<double>> outs;
  for (int t = 0; t < 5; ++t) outs.push_back(softmax1((*model)(Variable(x))).value().to_vector());
  const std::vector<double> mean = p.mean.to_vector(), var = p.var.to_vector();
  for (std::size_t i = 0; i < mean.size(); ++i) {
    double m = 0, v = 0;
    for (auto& o : outs) m += o[i] / 5;
    for (auto& o : outs) v += (o[i] - m) * (o[i] - m) / 5;
    CHECK(mean[i] == doctest::Approx(m).epsilon(1e-6));
    CHECK(var[i] == doctest::Approx(v).epsilon(1e-5));
  }
  // Probabilities: each row of the mean sums to 1.
  CHECK(sum(p.mean, {1}).to_vector()[0] == doctest::Approx(1.0));
}

TEST_CASE("mc_predict: restores each module's training flag; errors") {
  Generator gen(4);
  auto model = net(0.5, gen);
  model->eval();
  model->children()[2]->train();  // only the dropout in training mode
  (void)mc_predict(*model, randn({2, 3}, gen), {.passes = 2});
  CHECK_FALSE(model->is_training());
  CHECK(model->children()[2]->is_training());
  CHECK_FALSE(model->children()[0]->is_training());
  CHECK_THROWS_WITH_AS(mc_predict(*model, randn({2, 3}, gen), {.passes = 0}),
                       doctest::Contains("mc_predict: passes must be >= 1, got 0"), Error);
}

}  // namespace
}  // namespace minidl::nn
