// verification: "are these two images of the same kind of garment?" answered by thresholding the
// cosine similarity of their embeddings. The CNN embedding of examples/common/embedding.h is
// trained on Fashion-MNIST with the multi-similarity loss (losses/metric_softmax.h), which works
// on cosine similarity, so the verifier scores a pair in the same geometry it was trained in.
//
// Pairs: examples::PairSampler on the test set, alternating same-class and different-class pairs
// (a pair of an image with itself is dropped). Before and after training the program prints the
// ROC AUC and the true accept rate at a false accept rate of 1e-2 (metrics/verification.h), and
// writes <out>/roc.png: the ROC curves of the untrained and the trained network with the chance
// diagonal. The AUC is the probability that a random same pair scores above a random different
// pair, so it needs no threshold; TAR at FAR 1e-2 is the operating point a verifier would use.
//
//   verification [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
#include "metrics/verification.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "examples/common/embedding.h"
#include "examples/common/flags.h"
#include "examples/common/pairs.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/plplot.h"

using namespace minidl;

namespace {

// Same/different pairs of test images: indices a, b [P] and same [P] int64 (1 = same class).
struct PairSet {
  Tensor a, b, same;
};

PairSet make_pairs(const Tensor& labels, std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  const examples::Pairs p = examples::PairSampler(labels).sample(n, gen);
  std::vector<std::int64_t> a, b, same;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t ia = p.a.data<std::int64_t>()[i], ib = p.b.data<std::int64_t>()[i];
    if (ia == ib) continue;  // an image with itself is trivially "same"
    a.push_back(ia);
    b.push_back(ib);
    same.push_back(p.y.data<float>()[i] > 0 ? 1 : 0);
  }
  return {from_vector(a), from_vector(b), from_vector(same)};
}

// Cosine similarity of each pair's embeddings, float [P].
Tensor cosine_scores(const Tensor& embeddings, const PairSet& pairs) {
  const Tensor unit = div(embeddings, clamp(norm(embeddings, 2.0, {1}, true), 1e-12, std::nullopt));
  return sum(mul(index_select(unit, 0, pairs.a), index_select(unit, 0, pairs.b)), {1});
}

struct Verification {
  metrics::RocCurve roc;
  double auc = 0;
  metrics::TarAtFar tar;
};

Verification verify(const Tensor& embeddings, const PairSet& pairs, const char* name) {
  const Tensor scores = cosine_scores(embeddings, pairs);
  Verification v{metrics::roc_curve(scores, pairs.same), metrics::roc_auc(scores, pairs.same),
                 metrics::tar_at_far(scores, pairs.same, 1e-2)};
  std::printf("%s ROC AUC %.4f  TAR %.4f at FAR %.4f (cosine threshold %.4f)\n", name, v.auc,
              v.tar.tar, v.tar.far, v.tar.threshold);
  return v;
}

// cmap0: background, ink, untrained curve, trained curve, diagonal/grid.
enum Color : PLINT { kBackground = 0, kInk = 1, kUntrained = 2, kTrained = 3, kGrey = 4 };

struct Curve {
  std::vector<PLFLT> x, y;
  const char* label;
};

void draw_roc(const Curve (&curves)[2], const char* title) {
  pladv(0);
  plvpor(0.12, 0.95, 0.10, 0.88);
  plwind(0, 1, 0, 1);
  plschr(0, 0.95);
  plcol0(kGrey);
  plbox("g", 0.2, 0, "g", 0.2, 0);
  plcol0(kInk);
  plbox("bcnst", 0.2, 0, "bcnstv", 0.2, 0);
  pllab("false accept rate (FAR)", "true accept rate (TAR)", title);
  const PLFLT diag[2] = {0, 1};
  plcol0(kGrey);
  pllsty(2);
  plline(2, diag, diag);
  pllsty(1);
  const PLINT colors[3] = {kUntrained, kTrained, kGrey};
  for (int k = 0; k < 2; ++k) {
    plcol0(colors[k]);
    plwidth(2.5);
    plline(static_cast<PLINT>(curves[k].x.size()), curves[k].x.data(), curves[k].y.data());
  }
  plwidth(1.0);
  PLINT opts[3] = {PL_LEGEND_LINE, PL_LEGEND_LINE, PL_LEGEND_LINE}, styles[3] = {1, 1, 2};
  PLINT text_colors[3] = {kInk, kInk, kInk};
  PLFLT widths[3] = {2.5, 2.5, 1.0};
  const char* labels[3] = {curves[0].label, curves[1].label, "chance"};
  PLFLT legend_w = 0, legend_h = 0;
  pllegend(&legend_w, &legend_h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_BOTTOM | PL_POSITION_RIGHT | PL_POSITION_INSIDE | PL_POSITION_VIEWPORT, 0.03,
           0.03, 0.1, kBackground, kInk, 1, 0, 0, 3, opts, 0.8, 0.9, 2.0, 0.0, text_colors, labels,
           nullptr, nullptr, nullptr, nullptr, colors, styles, widths, nullptr, nullptr, nullptr,
           nullptr);
}

void plot_roc(const Verification& before, const Verification& after, std::int64_t steps,
              const std::string& png_path) {
  char untrained[64], trained[64], title[96];
  std::snprintf(untrained, sizeof untrained, "untrained (AUC %.3f)", before.auc);
  std::snprintf(trained, sizeof trained, "trained, %lld steps (AUC %.3f)",
                static_cast<long long>(steps), after.auc);
  std::snprintf(title, sizeof title, "verification by cosine similarity: test-set ROC");
  const Curve curves[2] = {{before.roc.fpr, before.roc.tpr, untrained},
                           {after.roc.fpr, after.roc.tpr, trained}};
  train::render_png(
      png_path, "verification", 700, 700, [&] { draw_roc(curves, title); },
      [] {
        const PLINT r[5] = {255, 25, 255, 31, 170}, g[5] = {255, 25, 127, 119, 170},
                    b[5] = {255, 25, 14, 180, 170};
        plscmap0(r, g, b, 5);
      });
}

int run_verification(const examples::ExampleOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  const examples::FashionImages data = examples::load_fashion_images(o);
  const PairSet pairs = make_pairs(data.y_test, o.quick ? 4000 : 20000, o.seed + 3);

  Generator gen(o.seed);
  auto model = examples::embedding_net(gen);
  std::printf(
      "verification: Fashion-MNIST %lld train images, %lld test pairs (%lld same); CNN embedding "
      "(dim %lld), multi-similarity loss\n",
      static_cast<long long>(data.y_train.numel()), static_cast<long long>(pairs.same.numel()),
      static_cast<long long>(sum(pairs.same.to(kFloat64)).item()),
      static_cast<long long>(examples::kEmbeddingDim));

  const Verification before = verify(examples::embed(*model, data.x_test), pairs, "untrained:");
  const std::int64_t step =
      examples::train_embedding(*model, data.x_train, data.y_train,
                                [](const Variable& emb, const Tensor& labels) {
                                  return losses::multi_similarity_loss(emb, Variable(labels));
                                },
                                o, {});

  const Verification after = verify(examples::embed(*model, data.x_test), pairs, "trained:  ");
  std::filesystem::create_directories(o.out_dir);
  const std::string png = o.out_dir + "/roc.png";
  plot_roc(before, after, step, png);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("wrote %s; %.1f s\n", png.c_str(), seconds);
  char detail[200];
  std::snprintf(detail, sizeof detail,
                "TAR at FAR 1e-2 %.4f -> %.4f; %lld test pairs, cosine scores; %lld steps, %.1f s",
                before.tar.tar, after.tar.tar, static_cast<long long>(pairs.same.numel()),
                static_cast<long long>(step), seconds);
  return examples::report({.example = o.name,
                           .loss = "",
                           .family = "metric",
                           .metric = "ROC AUC",
                           .before = before.auc,
                           .after = after.auc,
                           .higher_is_better = true,
                           .detail = detail},
                          o);
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "verification",
                               .epochs = 3,
                               .budget = examples::Budget::kEpochsOrSteps,
                               .uses_fashion = true};
  examples::Flags app{
      "minidl study: same/different verification with a Fashion-MNIST CNN embedding"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] { return run_verification(opt); });
}
