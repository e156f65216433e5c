// center_loss example: a CNN embedding of Fashion-MNIST trained with softmax cross-entropy plus
// lambda times the center loss (Wen et al. 2016, "joint supervision", eq. 5).
//
// Softmax alone makes the classes separable but leaves each class spread out along rays from the
// origin; the center loss pulls every embedding towards a learned center of its class, making the
// classes compact, which is what retrieval by nearest neighbour needs. The centers are not trained
// by gradient but by the paper's own update (eq. 4, losses::center_loss_update, alpha 0.5 as in
// the paper), after each step, from that batch's embeddings. The 64-d embedding feeds a linear
// classifier head (64 -> 10) for the softmax part; the head has its own Adam (the shared
// training loop steps only the embedding network), stepped at the start of the next call with
// the gradient the previous backward left in it. The center term uses a copy of the centers, so
// updating them in place never touches a recorded graph.
//
// lambda 0.1 with the batch mean (the paper used 0.003 with its sum over 512-d face features; the
// scale depends on the feature norm, so it is tuned per task). Retrieval is Euclidean, the
// geometry the center loss shapes.
//
//   center_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "autograd/functional.h"
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "losses/metric_proxy.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "tensor/ops.h"

using namespace minidl;

namespace {
constexpr double kLambda = 0.1;  // weight of the center loss in CE + lambda L_C
constexpr double kAlpha = 0.5;   // the paper's center learning rate
constexpr std::int64_t kClasses = 10;
}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "center_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{
      "minidl example: center_loss, a Fashion-MNIST CNN embedding with a softmax head"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    Generator gen(opt.seed + 7);
    nn::Linear head(examples::kEmbeddingDim, kClasses, gen);
    optim::Adam head_adam(head.parameters(), {.lr = 1e-3});
    const Variable centers(zeros({kClasses, examples::kEmbeddingDim}, kFloat32));
    double last_ce = 0, last_center = 0;
    return examples::run_metric_example(
        opt,
        {.loss = "center_loss",
         .on_report =
             [&] {
               std::printf("  last batch: cross-entropy %.4f, center loss %.4f (lambda %g)\n",
                           last_ce, last_center, kLambda);
             }},
        [&](const Variable& emb, const Tensor& labels) {
          head_adam.step();  // the previous backward's gradient (no-op before the first)
          head_adam.zero_grad();
          const Variable y(labels);
          const Variable ce = losses::cross_entropy(head(emb), y);
          const Variable lc = losses::center_loss(emb, y, Variable(centers.value().clone()));
          losses::center_loss_update(centers, emb.detach(), y, kAlpha);
          last_ce = ce.item();
          last_center = lc.item();
          return ce + kLambda * lc;
        });
  });
}
