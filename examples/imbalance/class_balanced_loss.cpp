// class_balanced_loss example: Fashion-MNIST with Pullover, Coat and Shirt cut to 2% of their
// training samples (imbalanced_fashion.h), a 784-128-10 MLP trained with the class-balanced loss
// of Cui et al. (CVPR 2019): softmax cross entropy with each sample weighted by the inverse
// effective number of samples of its class, (1 - beta) / (1 - beta^n_c), beta = 0.9999.
//
// Why this loss fits: it is re-weighting with a principled strength. Inverse frequency (beta -> 1)
// trusts every extra sample of a common class to be new information; the effective number
// E_n = (1 - beta^n) / (1 - beta) saturates instead, so the correction is milder for very
// common classes. Here the 7 common classes have ~1200 samples (quick mode) or ~6000 (full),
// the rare ones 2% of that. The metric is macro-F1 on the balanced test set; plain cross entropy
// is trained from the same initial weights and for the same steps for comparison.
//
//   class_balanced_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR] [--beta B]
//                       [--loss-type softmax|sigmoid|focal]
#include <cstdio>

#include "examples/common/flags.h"
#include "examples/imbalance/imbalanced_fashion.h"

using namespace minidl;
using namespace minidl::examples::imbalance;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "class_balanced_loss", .epochs = 8, .uses_fashion = true};
  double beta = 0.9999;
  std::string loss_type = "softmax";
  examples::Flags app{"minidl example: class_balanced_loss on Fashion-MNIST with 3 rare classes"};
  examples::add_standard_flags(app, opt);
  app.add_option("--beta", beta, "effective-number beta in [0, 1)")->capture_default_str();
  app.add_option("--loss-type", loss_type, "softmax | sigmoid | focal")->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return run_imbalance_example(
        opt, {.loss = "class_balanced_loss", .make_loss = [&](const ImbalancedFashion& d) {
                const std::vector<double> w = losses::effective_number_weights(d.counts, beta);
                std::printf("class weights (sum to 10): common %.3f, rare %.3f\n", w[0], w[2]);
                return train::LossFn([&d, beta, loss_type](const Variable& out, const Tensor& y) {
                  return losses::class_balanced_loss(
                      out, Variable(y),
                      {.samples_per_class = d.counts, .beta = beta, .loss_type = loss_type});
                });
              }});
  });
}
