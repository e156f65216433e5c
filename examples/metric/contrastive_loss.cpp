// contrastive_loss example: a CNN embedding of Fashion-MNIST trained with the contrastive loss of
// Hadsell, Chopra and LeCun 2006 on explicit pairs.
//
// The contrastive loss is the pair loss: similar pairs are pulled together (1/2 D^2), dissimilar
// pairs pushed out to the margin (1/2 [m - D]_+^2) and then left alone. Here every pair (i < j) of
// a P x K batch is one row of input1 / input2 with target 1 when the labels agree: 224 similar and
// 1,792 dissimilar pairs per 8 x 8 batch. Rows are L2-normalised (normalize_embeddings), so D is
// at most 2 and the margin of 1.0 sits in the middle of that range; retrieval by cosine, the
// geometry of unit rows.
//
//   contrastive_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include <vector>

#include "autograd/ops.h"
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "contrastive_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: contrastive_loss, a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    return examples::run_metric_example(
        opt, {.loss = "contrastive_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [](const Variable& emb, const Tensor& labels) {
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
              Variable(from_vector(similar)), {.normalize_embeddings = true});
        });
  });
}
