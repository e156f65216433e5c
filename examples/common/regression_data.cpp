#include "examples/common/regression_data.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "data/loader.h"
#include "examples/common/example.h"
#include "losses/regression.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/error.h"

namespace minidl::examples {

Tensor clean_function(const Tensor& x) {
  MINIDL_CHECK(x.dim() == 2 && x.size(1) == 2 && x.dtype() == kFloat32,
               "clean_function: x must be float32 [n, 2], got ", shape_str(x.shape()));
  const std::int64_t n = x.size(0);
  Tensor f = empty({n, 1}, kFloat32);
  const float* px = x.data<float>();
  float* pf = f.data<float>();
  for (std::int64_t i = 0; i < n; ++i)
    pf[i] = std::sin(2 * px[2 * i]) + 0.5f * px[2 * i + 1] * px[2 * i + 1];
  return f;
}

RegressionSet make_outlier_regression(std::int64_t n, Generator& gen, const OutlierOptions& o) {
  Tensor x = rand({n, 2}, gen, kFloat32, -2.0, 2.0);
  Tensor clean = clean_function(x);
  const Tensor noise = randn({n}, gen, kFloat32, 0.0, o.noise_std);
  const Tensor is_outlier = bernoulli({n}, o.outlier_fraction, gen, kFloat32);
  const Tensor jump = rand({n}, gen, kFloat32, o.outlier_low, o.outlier_high);
  Tensor y = empty({n, 1}, kFloat32);
  for (std::int64_t i = 0; i < n; ++i)
    y.data<float>()[i] = clean.data<float>()[i] + noise.data<float>()[i] +
                         is_outlier.data<float>()[i] * jump.data<float>()[i];
  return {x, y, clean};
}

double mean_abs_diff(const Tensor& a, const Tensor& b) {
  MINIDL_CHECK(a.shape() == b.shape() && a.numel() > 0, "mean_abs_diff: shapes ",
               shape_str(a.shape()), " and ", shape_str(b.shape()));
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  double total = 0;
  for (std::size_t i = 0; i < va.size(); ++i) total += std::abs(va[i] - vb[i]);
  return total / static_cast<double>(va.size());
}

std::shared_ptr<nn::Sequential> initial_regressor(std::int64_t in_features,
                                                  const RegressorOptions& options) {
  Generator gen(options.seed);
  return mlp({in_features, options.hidden, options.hidden, 1}, gen);
}

std::shared_ptr<nn::Sequential> fit_regressor(const Tensor& x, const Tensor& y,
                                              const train::LossFn& loss_fn,
                                              const RegressorOptions& options) {
  auto model = initial_regressor(x.size(1), options);
  optim::Adam adam(model->parameters(), {.lr = options.lr});
  data::DataLoader loader(
      x, y, {.batch_size = options.batch_size, .shuffle = true, .seed = options.seed});
  const std::int64_t batches = (x.size(0) + options.batch_size - 1) / options.batch_size;
  optim::CosineAnnealingLR cosine(adam, {.t_max = options.epochs * batches});
  train::fit(*model, adam, loader,
             {.epochs = options.epochs,
              .loss_fn = loss_fn,
              .metrics = {},
              .scheduler = &cosine,
              .schedule_step = train::ScheduleStep::kBatch,
              .verbose = 0});
  return model;
}

int run_outlier_example(const ExampleOptions& opt, const OutlierExample& example) {
  Generator gen(opt.seed);
  const auto train = make_outlier_regression(opt.quick ? 6000 : 20000, gen);
  const auto test = make_outlier_regression(2000, gen);
  const RegressorOptions fit{.epochs = opt.quick ? 20 : opt.epochs, .seed = opt.seed};

  auto mae = [&](nn::Module& m) { return mean_abs_diff(train::predict(m, test.x), test.clean); };
  const double before = mae(*initial_regressor(2, fit));
  const double after = mae(*fit_regressor(train.x, train.y, example.loss_fn, fit));
  // The same initial weights and batch order: the two fits differ only in the loss.
  const double with_mse = mae(*fit_regressor(train.x, train.y, losses::mse_loss, fit));

  std::printf("test MAE against the clean f(x), %lld epochs on %lld points (10%% outliers):\n",
              static_cast<long long>(fit.epochs), static_cast<long long>(train.x.size(0)));
  std::printf("  untrained %.4f   %s %.4f   mse_loss %.4f%s\n", before, example.label.c_str(),
              after, with_mse, example.mse_note.c_str());
  return report({.example = opt.name,
                 .loss = example.loss,
                 .family = "regression",
                 .metric = "MAE",
                 .before = before,
                 .after = after,
                 .higher_is_better = false,
                 .detail = "mse_loss on the same data: MAE " + std::to_string(with_mse)},
                opt);
}

}  // namespace minidl::examples
