// l1_loss example: recovering a function from training targets with one-sided gross errors.
//
// The task (generated; examples/common/regression_data.h): x ~ U[-2, 2]^2, the clean function
// f(x) = sin(2 x1) + 0.5 x2^2, training targets y = f(x) + N(0, 0.1^2), and for 10% of them a
// gross error + U[3, 10] on top (a sensor that now and then reads far too high). The test points
// carry the clean f(x); the metric is the mean absolute error against it.
//
// Why l1_loss fits: the prediction minimising E|y - c| is the median of y given x, and 10% of
// one-sided outliers move that median by only ~0.014 (to the 55.6th percentile of the Gaussian
// part), while they move the mean, which mse_loss fits, by 0.1 * 6.5 = 0.65. Each outlier pulls
// on the fit with slope 1, whatever its size. The same MLP is also trained with mse_loss on the
// same data to show the difference.
//
//   l1_loss [--quick] [--epochs N] [--out DIR] [--seed S]
#include <cstdio>
#include <string>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/regression_data.h"
#include "losses/regression.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "l1_loss", .epochs = 40};
  examples::Flags app{
      "minidl example: l1_loss, MLP regression under one-sided gross target errors"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    Generator gen(opt.seed);
    const auto train = examples::make_outlier_regression(opt.quick ? 6000 : 20000, gen);
    const auto test = examples::make_outlier_regression(2000, gen);
    const examples::RegressorOptions fit{.epochs = opt.quick ? 20 : opt.epochs, .seed = opt.seed};

    auto mae = [&](nn::Module& m) {
      return examples::mean_abs_diff(train::predict(m, test.x), test.clean);
    };
    const double before = mae(*examples::initial_regressor(2, fit));
    auto l1 = [](const Variable& pred, const Tensor& y) {
      return losses::l1_loss(pred, Variable(y));
    };
    auto mse = [](const Variable& pred, const Tensor& y) {
      return losses::mse_loss(pred, Variable(y));
    };
    const double after = mae(*examples::fit_regressor(train.x, train.y, l1, fit));
    const double with_mse = mae(*examples::fit_regressor(train.x, train.y, mse, fit));

    std::printf("test MAE against the clean f(x), %lld epochs on %lld points (10%% outliers):\n",
                static_cast<long long>(fit.epochs), static_cast<long long>(train.x.size(0)));
    std::printf("  untrained %.4f   l1_loss %.4f   mse_loss %.4f (pulled up by the outliers)\n",
                before, after, with_mse);
    return examples::report(
        {.example = opt.name,
         .loss = "l1_loss",
         .family = "regression",
         .metric = "MAE",
         .before = before,
         .after = after,
         .higher_is_better = false,
         .detail = "mse_loss on the same data: MAE " + std::to_string(with_mse)},
        opt);
  });
}
