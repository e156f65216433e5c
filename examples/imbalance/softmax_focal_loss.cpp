// softmax_focal_loss example: Fashion-MNIST with Pullover, Coat and Shirt cut to 2% of their
// training samples (imbalanced_fashion.h), a 784-128-10 MLP trained with the multi-class focal
// loss, gamma = 2 and alpha = inverse class frequency (sklearn's "balanced" weights).
//
// Why this loss fits: with 50 common samples for every rare one, plain cross entropy is
// dominated by the easy, plentiful classes; (1 - p_y)^gamma shrinks the loss of what the model
// already gets right, and alpha gives each class the same total weight, so the scarce classes are
// learned. The metric is macro-F1 on the balanced test set (every class counts the same); the
// program also trains plain cross entropy with the same initial weights and steps, and prints
// both, with the mean recall of the three rare classes.
//
//   softmax_focal_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/flags.h"
#include "examples/imbalance/imbalanced_fashion.h"

using namespace minidl;
using namespace minidl::examples::imbalance;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "softmax_focal_loss", .epochs = 8, .uses_fashion = true};
  examples::Flags app{"minidl example: softmax_focal_loss on Fashion-MNIST with 3 rare classes"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return run_imbalance_example(
        opt, {.loss = "softmax_focal_loss", .make_loss = [](const ImbalancedFashion& d) {
                // float32 [10]
                const Variable alpha(losses::inverse_frequency_weights(from_vector(d.counts)));
                return train::LossFn([alpha](const Variable& out, const Tensor& y) {
                  return losses::softmax_focal_loss(out, Variable(y),
                                                    {.gamma = 2.0, .alpha = alpha});
                });
              }});
  });
}
