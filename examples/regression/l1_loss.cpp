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
    return examples::run_outlier_example(opt, {.loss = "l1_loss",
                                               .label = "l1_loss",
                                               .loss_fn = losses::l1_loss,
                                               .mse_note = " (pulled up by the outliers)"});
  });
}
