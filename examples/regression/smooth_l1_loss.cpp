// smooth_l1_loss example: recovering a function from training targets with one-sided gross
// errors.
//
// The task (generated; examples/common/regression_data.h): x ~ U[-2, 2]^2, the clean function
// f(x) = sin(2 x1) + 0.5 x2^2, training targets y = f(x) + N(0, 0.1^2), and for 10% of them a
// gross error + U[3, 10] on top (a sensor that now and then reads far too high). The test points
// carry the clean f(x); the metric is the mean absolute error against it.
//
// Why smooth_l1_loss fits: it is l1_loss with the kink at 0 rounded into a parabola of width
// beta, so the gradient fades smoothly to 0 at the optimum (plain l1 keeps a full-size gradient
// there and jitters) while every outlier still pulls with slope at most 1. Its minimiser is
// Huber's with delta = beta (huber_loss = delta * smooth_l1_loss), so beta should be of the
// size of the inlier noise: with beta = 0.1 the outliers shift the fit by ~0.016, with PyTorch's
// default beta = 1 by ~0.11, and mse_loss's fit moves by 0.65. The same MLP is also trained with
// mse_loss on the same data.
//
//   smooth_l1_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--beta B]
#include <cstdio>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/common/regression_data.h"
#include "losses/regression.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "smooth_l1_loss", .epochs = 40};
  double beta = 0.1;
  examples::Flags app{
      "minidl example: smooth_l1_loss, MLP regression under one-sided gross errors"};
  examples::add_standard_flags(app, opt);
  app.add_option("--beta", beta, "width of the quadratic zone (default 0.1, the inlier noise)");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    char label[64];
    std::snprintf(label, sizeof label, "smooth_l1_loss(beta %.3g)", beta);
    return examples::run_outlier_example(
        opt, {.loss = "smooth_l1_loss",
              .label = label,
              .loss_fn = [beta](const Variable& pred, const Variable& y) {
                return losses::smooth_l1_loss(pred, y, {.beta = beta});
              }});
  });
}
