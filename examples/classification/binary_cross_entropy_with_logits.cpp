// binary_cross_entropy_with_logits example: several yes/no attributes per Fashion-MNIST image.
//
// A multi-label task: each image gets the attributes of its class (examples/common/
// fashion_attributes.h: footwear, upper_body, lower_body, long_sleeves, closed_shoe, carried),
// a multi-hot target of K = 6 that may hold several ones (a Dress is upper_body and lower_body).
// Softmax would force the attributes to compete; instead a 784-128-6 MLP outputs one logit per
// attribute and each gets its own logistic loss, computed from the logit in one stable formula.
// The attributes are unbalanced (carried: 10% of images, upper_body: 50%), so pos_weight
// = #negatives / #positives per attribute, counted on the training set (PyTorch's suggestion),
// weighs the rare positives up. Prediction: logit > 0. The metric is the macro-F1 over the
// attributes (each attribute's F1, averaged, so rare ones count fully); the exact-match accuracy
// (all K attributes right) is printed too. --quick uses 5k training / 2k test images, 2 epochs.
//
//   binary_cross_entropy_with_logits [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>
#include <vector>

#include "examples/common/attribute_fit.h"
#include "examples/common/example.h"
#include "examples/common/fashion_attributes.h"
#include "examples/common/flags.h"
#include "losses/classification.h"

using namespace minidl;

namespace {

// #negatives / #positives of each attribute (column of the multi-hot matrix), float32 [K].
Tensor balance_pos_weight(const Tensor& multi_hot) {
  const std::int64_t n = multi_hot.size(0), k = multi_hot.size(1);
  Tensor w = empty({k}, kFloat32);
  for (std::int64_t a = 0; a < k; ++a) {
    double positives = 0;
    for (std::int64_t i = 0; i < n; ++i) positives += multi_hot.data<float>()[i * k + a];
    w.data<float>()[a] = static_cast<float>(positives > 0 ? (n - positives) / positives : 1.0);
  }
  return w;
}

// Fraction of images whose K predicted attributes (logit > 0) are all right.
double exact_match(const Tensor& logits, const Tensor& multi_hot) {
  const std::int64_t n = logits.size(0), k = logits.size(1);
  std::int64_t right = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    bool all = true;
    for (std::int64_t a = 0; a < k; ++a)
      all = all &&
            (logits.data<float>()[i * k + a] > 0) == (multi_hot.data<float>()[i * k + a] > 0.5f);
    right += all ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{
      .name = "binary_cross_entropy_with_logits", .epochs = 8, .uses_fashion = true};
  examples::Flags app{"minidl example: binary_cross_entropy_with_logits, Fashion-MNIST attributes"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const examples::Fashion f = examples::load_fashion(opt);
    const Tensor train_truth = examples::attribute_multi_hot(f.y_train);
    const Tensor test_truth = examples::attribute_multi_hot(f.y_test);
    const Variable pos_weight(balance_pos_weight(train_truth));
    const examples::AttributeFit r = examples::fit_attribute_mlp(
        opt, f, train_truth,
        [&pos_weight](const Variable& logits, const Variable& truth) {
          return losses::binary_cross_entropy_with_logits(logits, truth,
                                                          {.pos_weight = pos_weight});
        },
        [&](const Tensor& logits) {
          return std::pair{examples::attribute_macro_f1(logits, test_truth),
                           exact_match(logits, test_truth)};
        });
    const std::int64_t k = r.k;
    const auto [before, exact_before] = r.before;
    const auto [after, exact_after] = r.after;
    std::printf("pos_weight (#neg / #pos per attribute):");
    for (std::int64_t a = 0; a < k; ++a)
      std::printf(" %s %.2f", examples::fashion_attributes()[a].name,
                  pos_weight.value().data<float>()[a]);
    std::printf(
        "\n%lld attributes, %lld train / %lld test images, %lld epochs: test macro-F1 "
        "%.4f -> %.4f, exact match %.4f -> %.4f\n",
        static_cast<long long>(k), static_cast<long long>(f.y_train.numel()),
        static_cast<long long>(f.y_test.numel()), static_cast<long long>(r.epochs), before, after,
        exact_before, exact_after);
    return examples::report({.example = opt.name,
                             .loss = "binary_cross_entropy_with_logits",
                             .family = "classification",
                             .metric = "macro-F1",
                             .before = before,
                             .after = after},
                            opt);
  });
}
