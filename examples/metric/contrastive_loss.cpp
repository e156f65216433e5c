// contrastive_loss example: a CNN embedding of Fashion-MNIST trained with the contrastive loss of
// Hadsell, Chopra and LeCun 2006 on explicit pairs, pooled against balanced pairs.
//
// The contrastive loss is the pair loss: similar pairs are pulled together (1/2 D^2), dissimilar
// pairs pushed out to the margin (1/2 [m - D]_+^2) and then left alone. Here every pair (i < j) of
// a P x K batch is one row of input1 / input2 with target 1 when the labels agree: 224 similar and
// 1,792 dissimilar pairs per 8 x 8 batch. Rows are L2-normalised (normalize_embeddings), so D is
// at most 2 and the margin of 1.0 sits in the middle of that range; retrieval by cosine, the
// geometry of unit rows.
//
// Three arms from the same initial weights and the same batches:
//   pooled     one mean over all 2,016 pairs: the 1,792 negatives carry 8/9 of the weight
//   balanced   balanced = true: mean over the 224 positives + mean over the 1,792 negatives
//              (pytorch-metric-learning's way of reducing ContrastiveLoss)
//   capped 1:1 losses::ratio_capped_pairs: every positive and 224 random negatives, pooled mean
// Each reports P@1 and MAP@R on the test set; the tour's check is untrained -> pooled (the
// loss's defaults), the other two arms are in its detail line and extras.
//
// What it shows (default seed): pooled is best, P@1 / MAP@R 0.785 / 0.539 in quick mode
// (balanced 0.742 / 0.516, capped 0.767 / 0.510) and 0.853 / 0.700 after 1,000 steps on the full
// set (balanced 0.828 / 0.663, capped 0.829 / 0.658): with unit rows and the squared terms, the
// negatives spread the classes and the positives' extra weight pulls each class in too hard.
// Table and commands: docs/training_techniques.md.
//
//   contrastive_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>
#include <filesystem>
#include <vector>

#include "autograd/ops.h"
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric.h"
#include "tensor/ops.h"

using namespace minidl;

namespace {

// Every pair (i < j) of the batch as rows of input1 / input2, target 1 when the labels agree.
Variable all_pairs_loss(const Variable& emb, const Tensor& labels, bool balanced) {
  const std::int64_t n = labels.numel();
  const std::int64_t* y = labels.data<std::int64_t>();
  std::vector<std::int64_t> first, second, similar;
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = i + 1; j < n; ++j) {
      first.push_back(i);
      second.push_back(j);
      similar.push_back(y[i] == y[j] ? 1 : 0);
    }
  return losses::contrastive_loss(
      index_select(emb, 0, from_vector(first)), index_select(emb, 0, from_vector(second)),
      Variable(from_vector(similar)), {.normalize_embeddings = true, .balanced = balanced});
}

struct Arm {
  const char* name;
  examples::EmbeddingLoss loss;
  examples::EmbeddingScores scores{};
  Tensor embeddings{};
};

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "contrastive_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: contrastive_loss, pooled vs balanced pairs"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const examples::FashionImages data = examples::load_fashion_images(opt);
    const auto cosine = metrics::RetrievalDistance::kCosine;
    const std::int64_t restarts = opt.quick ? 2 : 5;
    Generator miner_gen(opt.seed + 2);
    std::vector<Arm> arms = {
        {"pooled", [](const Variable& e, const Tensor& y) { return all_pairs_loss(e, y, false); }},
        {"balanced", [](const Variable& e, const Tensor& y) { return all_pairs_loss(e, y, true); }},
        {"capped 1:1", [&](const Variable& e, const Tensor& y) {
           const losses::PairTuples p = losses::ratio_capped_pairs(e.value(), y, miner_gen);
           return losses::contrastive_pair_loss(e, p, {.normalize_embeddings = true});
         }}};
    std::printf("%s: Fashion-MNIST %lld train / %lld test images; CNN embedding (dim %lld)\n",
                opt.name.c_str(), static_cast<long long>(data.y_train.numel()),
                static_cast<long long>(data.y_test.numel()),
                static_cast<long long>(examples::kEmbeddingDim));
    examples::EmbeddingScores before;
    std::int64_t steps = 0;
    for (Arm& arm : arms) {
      Generator gen(opt.seed);  // the same initial weights for every arm
      auto model = examples::embedding_net(gen);
      if (&arm == &arms.front()) {
        before = examples::score_embeddings(examples::embed(*model, data.x_test), data.y_test,
                                            cosine, opt.seed, restarts);
        std::printf("untrained:  P@1 %.4f  MAP@R %.4f\n", before.precision_at_1, before.map_at_r);
      }
      std::printf("-- %s\n", arm.name);
      steps = examples::train_embedding(*model, data.x_train, data.y_train, arm.loss, opt,
                                        {.quick_steps = 60});
      arm.embeddings = examples::embed(*model, data.x_test);
      arm.scores =
          examples::score_embeddings(arm.embeddings, data.y_test, cosine, opt.seed, restarts);
      std::printf("%-11s P@1 %.4f  MAP@R %.4f\n", arm.name, arm.scores.precision_at_1,
                  arm.scores.map_at_r);
    }
    std::printf("\n  %-11s %7s %7s\n  %-11s %7.4f %7.4f\n", "arm", "P@1", "MAP@R", "untrained",
                before.precision_at_1, before.map_at_r);
    for (const Arm& a : arms)
      std::printf("  %-11s %7.4f %7.4f\n", a.name, a.scores.precision_at_1, a.scores.map_at_r);

    std::filesystem::create_directories(opt.out_dir);
    std::vector<std::pair<std::string, Tensor>> panels;
    const Tensor shown = from_vector([&] {
      std::vector<std::int64_t> idx;  // at most 2,000 evenly spaced test images
      const std::int64_t n = data.y_test.numel(), m = std::min<std::int64_t>(n, 2000);
      for (std::int64_t i = 0; i < m; ++i) idx.push_back(i * n / m);
      return idx;
    }());
    for (const Arm& a : arms) {
      const Tensor e = index_select(a.embeddings, 0, shown);
      char title[64];
      std::snprintf(title, sizeof title, "%s (P@1 %.3f)", a.name, a.scores.precision_at_1);
      panels.push_back(
          {title, examples::pca_2d(div(e, clamp(norm(e, 2.0, {1}, true), 1e-12, std::nullopt)))});
    }
    examples::plot_embeddings(panels, index_select(data.y_test, 0, shown),
                              opt.out_dir + "/embeddings.png",
                              "contrastive_loss: PCA of the unit test embeddings");
    const Arm& pooled = arms[0];
    const Arm& balanced = arms[1];
    const Arm& capped = arms[2];
    char detail[200];
    std::snprintf(detail, sizeof detail,
                  "P@1 / MAP@R pooled %.4f / %.4f, balanced %.4f / %.4f, capped 1:1 %.4f / %.4f, "
                  "%lld steps each",
                  pooled.scores.precision_at_1, pooled.scores.map_at_r,
                  balanced.scores.precision_at_1, balanced.scores.map_at_r,
                  capped.scores.precision_at_1, capped.scores.map_at_r,
                  static_cast<long long>(steps));
    return examples::report({.example = opt.name,
                             .loss = "contrastive_loss",
                             .family = "metric",
                             .metric = "P@1",
                             .before = before.precision_at_1,
                             .after = pooled.scores.precision_at_1,
                             .higher_is_better = true,
                             .detail = detail,
                             .extras = {{"MAP@R before", before.map_at_r},
                                        {"MAP@R after", pooled.scores.map_at_r},
                                        {"NMI before", before.nmi},
                                        {"NMI after", pooled.scores.nmi},
                                        {"P@1 balanced", balanced.scores.precision_at_1},
                                        {"MAP@R balanced", balanced.scores.map_at_r},
                                        {"P@1 capped", capped.scores.precision_at_1},
                                        {"MAP@R capped", capped.scores.map_at_r}}},
                            opt);
  });
}
