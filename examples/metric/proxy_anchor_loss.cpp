// proxy_anchor_loss example: a CNN embedding of Fashion-MNIST trained with Proxy-Anchor
// (Kim et al. 2020) against one learnable proxy per class.
//
// Proxy-Anchor makes each proxy an anchor that pulls all of its class's samples in the batch and
// pushes all the others, each weighted by how hard it is (a soft maximum with scale alpha 32 and
// margin delta 0.1, the paper's values), so one step uses every sample-proxy relation: it trains
// quickly, needs no mining, and its cosine geometry matches retrieval by cosine. The proxies
// [10, 64] are a Variable this program owns, trained by their own Adam (the shared training loop
// steps only the network), stepped at the start of the next call with the gradient the previous
// backward left in them; as in the paper, they learn faster than the network (here 10x, lr 1e-2;
// the paper uses 100x), as they start at random.
//
//   proxy_anchor_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_proxy.h"
#include "optim/adam.h"
#include "tensor/random.h"

using namespace minidl;

namespace {
constexpr std::int64_t kClasses = 10;
}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "proxy_anchor_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{
      "minidl example: proxy_anchor_loss, a Fashion-MNIST CNN embedding with proxies"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    Generator gen(opt.seed + 13);
    const Variable proxies(randn({kClasses, examples::kEmbeddingDim}, gen), true);
    optim::Adam proxy_adam({proxies}, {.lr = 1e-2});
    return examples::run_metric_example(
        opt, {.loss = "proxy_anchor_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [&](const Variable& emb, const Tensor& labels) {
          proxy_adam.step();  // the previous backward's gradient (no-op before the first)
          proxy_adam.zero_grad();
          return losses::proxy_anchor_loss(emb, Variable(labels), proxies);
        });
  });
}
