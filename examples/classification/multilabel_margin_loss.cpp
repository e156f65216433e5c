// multilabel_margin_loss example: ranking clothing attributes of Fashion-MNIST images.
//
// Each image gets the attributes of its class (examples/common/fashion_attributes.h: footwear,
// upper_body, lower_body, long_sleeves, closed_shoe, carried), so a sample has one to two labels
// out of K = 6; the target is the list of its attribute indices padded with -1, e.g. a Dress is
// [1, 2, -1, -1, -1, -1]. A 784-128-6 MLP scores the attributes and the loss asks every attribute
// the image has to outscore every attribute it lacks by a margin of 1:
//   l = (1/K) sum_{j has} sum_{i lacks} max(0, 1 - (x_j - x_i)).
// This is a ranking loss: it fixes the order of the scores within an image, not their level,
// so the natural metric is the ranking accuracy, the fraction of (has, lacks) attribute pairs
// ordered correctly (1 - the label ranking loss); there is no built-in threshold. Use it when
// "which attributes first" is the question (tagging, retrieval); for yes/no per attribute see
// multilabel_soft_margin_loss.
//
//   multilabel_margin_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "examples/common/attribute_fit.h"
#include "examples/common/example.h"
#include "examples/common/fashion_attributes.h"
#include "examples/common/flags.h"
#include "losses/classification_margin.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "multilabel_margin_loss", .epochs = 8, .uses_fashion = true};
  examples::Flags app{"minidl example: multilabel_margin_loss, ranking Fashion-MNIST attributes"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const examples::Fashion f = examples::load_fashion(opt);
    const Tensor train_lists = examples::attribute_index_lists(f.y_train);
    const Tensor test_truth = examples::attribute_multi_hot(f.y_test);
    const examples::AttributeFit r = examples::fit_attribute_mlp(
        opt, f, train_lists, losses::multilabel_margin_loss, [&](const Tensor& scores) {
          return std::pair{examples::attribute_ranking_accuracy(scores, test_truth), 0.0};
        });
    const std::int64_t k = r.k;
    const double before = r.before.first, after = r.after.first;
    std::printf(
        "%lld attributes, %lld train / %lld test images: test ranking accuracy %.4f -> "
        "%.4f after %lld epochs\n",
        static_cast<long long>(k), static_cast<long long>(f.y_train.numel()),
        static_cast<long long>(f.y_test.numel()), before, after, static_cast<long long>(r.epochs));
    return examples::report({.example = opt.name,
                             .loss = "multilabel_margin_loss",
                             .family = "classification",
                             .metric = "ranking accuracy",
                             .before = before,
                             .after = after},
                            opt);
  });
}
