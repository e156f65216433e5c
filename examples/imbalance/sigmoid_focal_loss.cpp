// sigmoid_focal_loss example: Fashion-MNIST with Pullover, Coat and Shirt cut to 2% of their
// training samples (imbalanced_fashion.h), a 784-128-10 MLP whose 10 outputs are independent
// sigmoid "is it class c?" detectors, trained with the focal loss of RetinaNet
// (torchvision.ops.sigmoid_focal_loss, gamma = 2, alpha = 0.75 here) on one-hot targets.
//
// Why this loss fits: one-vs-all detectors see 9 negatives for each positive, and for a rare
// class about 350 negatives per positive: the regime RetinaNet's dense detector faces. Summed
// binary cross entropy lets the mass of easy negatives dominate; the focal term (1 - p_t)^gamma
// silences them. As in RetinaNet, the summed loss is divided by the number of positives (one per
// sample, so by the batch size), and the prediction is the class with the largest logit. The
// metric is macro-F1 on the balanced test set; plain softmax cross entropy is trained from the
// same initial weights for comparison.
//
// alpha: torchvision's default 0.25 weights the positives *down*, the paper's choice for dense
// detection together with the prior-probability bias init (--prior 0.01). On this data, where
// every detector's positives are rare, up-weighting them works better: with the default seed,
// full mode reaches macro-F1 0.798 with alpha 0.75 against 0.760 with alpha 0.25 and --prior
// 0.01 (softmax cross entropy: 0.798). So on a plain multi-class problem the sigmoid focal loss
// about matches softmax cross entropy; its strength is detection-style many-negative problems.
//
//   sigmoid_focal_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR] [--alpha A]
//                      [--gamma G] [--prior PI]
#include <cmath>

#include "examples/common/flags.h"
#include "examples/imbalance/imbalanced_fashion.h"
#include "nn/linear.h"

using namespace minidl;
using namespace minidl::examples::imbalance;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "sigmoid_focal_loss", .epochs = 8, .uses_fashion = true};
  double alpha = 0.75, gamma = 2.0, prior = 0.0;
  examples::Flags app{"minidl example: sigmoid_focal_loss on Fashion-MNIST with 3 rare classes"};
  examples::add_standard_flags(app, opt);
  app.add_option("--alpha", alpha, "weight of the positives (< 0: none)")->capture_default_str();
  app.add_option("--gamma", gamma, "focusing exponent")->capture_default_str();
  app.add_option("--prior", prior, "output bias init -log((1 - pi) / pi); 0: default init")
      ->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return run_imbalance_example(
        opt, {.loss = "sigmoid_focal_loss",
              .baseline_label = "cross_entropy (softmax)",
              .make_loss =
                  [&](const ImbalancedFashion&) {
                    return train::LossFn([alpha, gamma](const Variable& out, const Tensor& y) {
                      const Variable targets(one_hot(y, kClasses).to(out.dtype()));
                      const Variable total = losses::sigmoid_focal_loss(
                          out, targets,
                          {.alpha = alpha, .gamma = gamma, .reduction = losses::Reduction::Sum});
                      return total / static_cast<double>(y.numel());  // per positive
                    });
                  },
              .init =
                  [prior](nn::Sequential& model) {
                    if (prior <= 0) return;
                    auto last = std::dynamic_pointer_cast<nn::Linear>(model[model.size() - 1]);
                    last->bias().value().fill_(-std::log((1 - prior) / prior));
                  }});
  });
}
