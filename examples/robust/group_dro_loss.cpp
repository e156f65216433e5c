// group_dro_loss example: a classifier that must not lean on a spurious group attribute.
//
// Fashion-MNIST coats and shirts against tops and pullovers, with a synthetic watermark a that
// agrees with the label for 95% of the training images and is independent of it at test time
// (examples/robust/group_shift.h). group DRO (Sagawa et al. 2020): q over the four (y, a) groups
// moves towards the groups with the highest loss each step, and the step minimises the q-weighted
// group losses.
// The metric is worst-group test accuracy, from the untrained model to the trained one; the
// same run with plain cross-entropy (ERM) is printed beside it for comparison.
//
//   group_dro_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include "examples/robust/group_shift.h"

int main(int argc, char** argv) {
  return minidl::examples::run_group_loss_example(argc, argv, "group_dro_loss",
                                                  minidl::examples::GroupMethod::kDro);
}
