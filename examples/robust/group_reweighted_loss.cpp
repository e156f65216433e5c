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
#include <cstdio>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/robust/group_shift.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "group_reweighted_loss", .epochs = 8, .uses_fashion = true};
  examples::Flags app{
      "minidl example: group_reweighted_loss on Fashion-MNIST with a spurious group attribute"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const examples::GroupShiftData d = examples::load_group_shift(opt);
    const examples::GroupRun run{.epochs = opt.quick ? 3 : opt.epochs, .seed = opt.seed};
    examples::print_group_header(d);
    examples::GroupScores before;
    const examples::GroupScores erm =
        examples::train_group_model(examples::GroupMethod::kErm, d, run);
    const examples::GroupScores ours =
        examples::train_group_model(examples::GroupMethod::kReweight, d, run, &before);
    examples::print_group_row("untrained", before);
    examples::print_group_row("ERM (cross_entropy)", erm);
    examples::print_group_row("group_reweighted_loss", ours);
    char detail[160];
    std::snprintf(detail, sizeof detail,
                  "worst-group accuracy %.3f (ERM %.3f), average %.3f (ERM %.3f)", ours.worst,
                  erm.worst, ours.average, erm.average);
    return examples::report({.example = opt.name,
                             .loss = "group_reweighted_loss",
                             .family = "robust",
                             .metric = "worst-group test accuracy",
                             .before = before.worst,
                             .after = ours.worst,
                             .higher_is_better = true,
                             .detail = detail},
                            opt);
  });
}
