// multilabel_soft_margin_loss example: predicting clothing attributes of Fashion-MNIST images.
//
// Each image gets the attributes of its class (examples/common/fashion_attributes.h: footwear,
// upper_body, lower_body, long_sleeves, closed_shoe, carried) as a multi-hot target [K = 6], e.g.
// a Dress is [0, 1, 1, 0, 0, 0]. A 784-128-6 MLP scores the attributes and the loss is one
// logistic loss per attribute, averaged over the attributes:
//   l = -(1/K) sum_k [y_k log sigmoid(x_k) + (1 - y_k) log sigmoid(-x_k)].
// Every attribute is its own yes/no question with a calibrated probability sigmoid(x_k), so the
// decision is simply x_k > 0 and the natural metric is the macro-F1 over attributes (the mean of
// each attribute's F1, so rare ones like `carried` count as much as `upper_body`). The ranking
// accuracy of multilabel_margin_loss's example is printed too, for comparison.
//
//   multilabel_soft_margin_loss [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "examples/common/attribute_fit.h"
#include "examples/common/example.h"
#include "examples/common/fashion_attributes.h"
#include "examples/common/flags.h"
#include "losses/classification_margin.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{
      .name = "multilabel_soft_margin_loss", .epochs = 8, .uses_fashion = true};
  examples::Flags app{"minidl example: multilabel_soft_margin_loss, Fashion-MNIST attributes"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const examples::Fashion f = examples::load_fashion(opt);
    const Tensor train_truth = examples::attribute_multi_hot(f.y_train);
    const Tensor test_truth = examples::attribute_multi_hot(f.y_test);
    const examples::AttributeFit r = examples::fit_attribute_mlp(
        opt, f, train_truth, losses::multilabel_soft_margin_loss, [&](const Tensor& scores) {
          return std::pair{examples::attribute_macro_f1(scores, test_truth),
                           examples::attribute_ranking_accuracy(scores, test_truth)};
        });
    const std::int64_t k = r.k;
    const auto [before, rank_before] = r.before;
    const auto [after, rank_after] = r.after;
    std::printf(
        "%lld attributes, %lld train / %lld test images after %lld epochs: test macro-F1 "
        "%.4f -> %.4f, ranking accuracy %.4f -> %.4f\n",
        static_cast<long long>(k), static_cast<long long>(f.y_train.numel()),
        static_cast<long long>(f.y_test.numel()), static_cast<long long>(r.epochs), before, after,
        rank_before, rank_after);
    return examples::report({.example = opt.name,
                             .loss = "multilabel_soft_margin_loss",
                             .family = "classification",
                             .metric = "macro-F1",
                             .before = before,
                             .after = after},
                            opt);
  });
}
