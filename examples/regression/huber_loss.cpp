// huber_loss example: recovering a function from training targets with one-sided gross errors.
//
// The task (generated; examples/common/regression_data.h): x ~ U[-2, 2]^2, the clean function
// f(x) = sin(2 x1) + 0.5 x2^2, training targets y = f(x) + N(0, 0.1^2), and for 10% of them a
// gross error + U[3, 10] on top (a sensor that now and then reads far too high). The test points
// carry the clean f(x); the metric is the mean absolute error against it.
//
// Why huber_loss fits: it is the squared error for residuals below delta, which is efficient on
// the Gaussian part, and the absolute error beyond, so no target pulls on the fit with more than
// delta. Huber's classical tuning delta = 1.345 sigma (95% of the squared error's efficiency on
// Gaussian noise) gives delta = 0.135 for the noise here; the fit it converges to is then pulled
// up by only ~0.018 by the outliers, where mse_loss's is pulled up by 0.65 (with delta = 1.0,
// PyTorch's default and too wide for this noise, it would be ~0.11). The same MLP is also trained
// with mse_loss on the same data to show the difference.
//
//   huber_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--delta D]
#include <cstdio>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/regression_data.h"
#include "losses/regression.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "huber_loss", .epochs = 40};
  double delta = 1.345 * 0.1;
  examples::Flags app{
      "minidl example: huber_loss, MLP regression under one-sided gross target errors"};
  examples::add_standard_flags(app, opt);
  app.add_option("--delta", delta, "Huber's delta (default 1.345 x the inlier noise 0.1)");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    char label[64];
    std::snprintf(label, sizeof label, "huber_loss(delta %.3g)", delta);
    return examples::run_outlier_example(
        opt, {.loss = "huber_loss",
              .label = label,
              .loss_fn = [delta](const Variable& pred, const Variable& y) {
                return losses::huber_loss(pred, y, {.delta = delta});
              }});
  });
}
