// group_reweighted_loss example: a classifier that must not lean on a spurious group attribute.
//
// Fashion-MNIST coats and shirts against tops and pullovers, with a synthetic watermark a that
// agrees with the label for 95% of the training images and is independent of it at test time
// (examples/robust/group_shift.h). each sample weighted by n / (4 n_g), the inverse size of
// its (y, a) group in the training set, so the two minority groups weigh as much as the two
// majority ones.
// The metric is worst-group test accuracy, from the untrained model to the trained one; the
// same run with plain cross-entropy (ERM) is printed beside it for comparison.
//
//   group_reweighted_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include "examples/robust/group_shift.h"

int main(int argc, char** argv) {
  return minidl::examples::run_group_loss_example(argc, argv, "group_reweighted_loss",
                                                  minidl::examples::GroupMethod::kReweight);
}
