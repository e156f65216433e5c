// proxy_nca_loss example: a CNN embedding of Fashion-MNIST trained with Proxy-NCA
// (Movshovitz-Attias et al. 2017) against one learnable proxy per class.
//
// Tuple losses see only the pairs inside a batch; Proxy-NCA compares every sample with all C
// proxies, which stand in for their classes, so each step sees every class and no mining is
// needed: the loss is a softmax over negative squared distances to the proxies. The proxies
// [10, 64] are a Variable this program owns, trained by their own Adam (the shared training loop
// steps only the network), stepped at the start of the next call with the gradient the previous
// backward left in them; they learn 10x faster than the network (lr 1e-2), a common choice for
// proxy losses, as they start at random. Embeddings and proxies are L2-normalised (the loss's
// default), so squared distances lie in [0, 4]: with 10 classes, PML's default softmax_scale 1
// gives a nearly flat softmax, so this uses 8 (an inverse temperature; Proxy-NCA++ by
// Teh et al. 2020 argues for a low temperature). Retrieval is by cosine.
//
//   proxy_nca_loss [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "losses/metric_proxy.h"
#include "optim/adam.h"
#include "tensor/random.h"

using namespace minidl;

namespace {
constexpr double kScale = 8.0;
constexpr std::int64_t kClasses = 10;
}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "proxy_nca_loss",
                               .epochs = 4,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{"minidl example: proxy_nca_loss, a Fashion-MNIST CNN embedding with proxies"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    Generator gen(opt.seed + 11);
    const Variable proxies(randn({kClasses, examples::kEmbeddingDim}, gen), true);
    optim::Adam proxy_adam({proxies}, {.lr = 1e-2});
    return examples::run_metric_example(
        opt, {.loss = "proxy_nca_loss", .eval_distance = metrics::RetrievalDistance::kCosine},
        [&](const Variable& emb, const Tensor& labels) {
          proxy_adam.step();  // the previous backward's gradient (no-op before the first)
          proxy_adam.zero_grad();
          return losses::proxy_nca_loss(emb, Variable(labels), proxies, {.softmax_scale = kScale});
        });
  });
}
