// weight_decay: the same MLP trained three ways, without decay, with L2 and with L1, and what each
// does to the weights.
//
// 784-256-128-10 (ReLU) on Fashion-MNIST, Adam, same seed (so the same initial weights and batch
// order) for every variant; decay applies to the weight matrices only (split_decay_groups: biases
// are never decayed):
//   none  Adam
//   L2    Adam with coupled weight_decay:  g <- g + weight_decay * w      (optim/optimizer.h)
//   L1    Adam with l1_decay in proximal mode: after each update
//         w <- sign(w) * max(|w| - lr * l1_decay, 0)
//         which sets weights exactly to zero and keeps them there (real sparsity).
// The table gives each variant's test accuracy, the share of weights that are exactly zero and the
// share with |w| < 1e-3 ("near zero"). L1 must show clear sparsity compared with the others.
//
//   weight_decay [--epochs N] [--quick] [--out DIR] [--seed S] [--lr LR] [--l2 WD] [--l1 L1]
//                [--data DIR]
// Writes DIR/<variant>/metrics.jsonl and DIR/<variant>/curves.png for each variant. Exits 1 if a
// variant does not beat the untrained model's test accuracy, if L1's share of near-zero weights is
// not at least twice that of both others, or on any error.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "examples/common/example.h"
#include "examples/common/fashion_demo.h"
#include "examples/common/flags.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "optim/decay_groups.h"
#include "train/fit.h"

using namespace minidl;

namespace {

constexpr double kNearZero = 1e-3;  // |w| below this counts as near zero

struct Variant {
  std::string name;
  std::string rule;
  double l2 = 0, l1 = 0;
};

struct Result {
  double test_accuracy = 0;
  double zero_share = 0;       // exactly 0
  double near_zero_share = 0;  // |w| < kNearZero
  std::int64_t weights = 0;
  double seconds = 0;
};

std::shared_ptr<nn::Sequential> make_mlp(std::uint64_t seed) {
  Generator gen(seed);
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(784, 256, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(256, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 10, gen));
}

// Counts over the weight matrices (the decayed parameters), not the biases.
void count_weights(const nn::Module& model, Result& r) {
  std::int64_t zeros = 0, near = 0, total = 0;
  for (const auto& [name, p] : model.named_parameters()) {
    if (optim::skips_decay(name, p)) continue;
    const Tensor& w = p.value();
    const float* d = w.data<float>();
    for (std::int64_t i = 0; i < w.numel(); ++i) {
      zeros += d[i] == 0.0f;
      near += std::abs(d[i]) < kNearZero;
    }
    total += w.numel();
  }
  r.weights = total;
  r.zero_share = static_cast<double>(zeros) / static_cast<double>(total);
  r.near_zero_share = static_cast<double>(near) / static_cast<double>(total);
}

}  // namespace

int main(int argc, char** argv) {
  examples::Flags app{
      "minidl example: no weight decay vs L2 vs L1 (proximal) on a Fashion-MNIST MLP"};
  std::int64_t epochs = 10;
  bool quick = false;
  std::string out_dir = "out/weight_decay";
  std::uint64_t seed = 0;
  double lr = 1e-3, l2 = 1e-4, l1 = 0.05;
  std::string data_dir;
  examples::FlagOption* budget_opt =
      app.add_option("--epochs", epochs, "training epochs of each variant");
  examples::FlagOption* quick_opt =
      app.add_flag("--quick", quick, "5k train / 2k test samples and 2 epochs, as CI runs it");
  budget_opt->excludes(quick_opt);  // quick mode fixes its own budget
  app.add_option("--out", out_dir, "folder for each variant's metrics.jsonl and curves.png");
  app.add_option("--seed", seed, "seed of the split, the initial weights and shuffling");
  app.add_option("--lr", lr, "Adam learning rate");
  app.add_option("--l2", l2, "coupled L2 weight_decay of the L2 variant");
  examples::FlagOption* l1_opt = app.add_option(
      "--l1", l1, "l1_decay of the L1 variant (proximal: shrink lr * l1 per step; --quick: 0.2)");
  app.add_option("--data", data_dir, "Fashion-MNIST folder (default: the Debian package's)");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  if (quick) {
    epochs = 2;
    // 70 steps instead of 4000: a stronger shrink per step, so the sparsity still shows.
    if (l1_opt->count() == 0) l1 = 0.2;
  }

  return examples::run("weight_decay", [&] {
    const examples::FashionSplit split = examples::load_fashion_split(
        data_dir,
        {.train_limit = quick ? 5000 : -1, .test_limit = quick ? 2000 : -1, .seed = seed});
    const data::Transform norm =
        data::normalize({0.2860}, {0.3530});  // Fashion-MNIST's pixel stats
    const examples::FashionLoaders loaders = examples::fashion_loaders(
        split, {.seed = seed + 1, .train_transform = norm, .eval_transform = norm});
    const data::DataLoader &train_loader = loaders.train, &val_loader = loaders.val,
                           &test_loader = loaders.test;
    std::printf(
        "Fashion-MNIST: %lld train / %lld validation / %lld test images; 784-256-128-10 "
        "ReLU MLP, Adam lr %g, batch 128, %lld epochs per variant\n",
        static_cast<long long>(split.train->size()), static_cast<long long>(split.val->size()),
        static_cast<long long>(split.test_set.labels.numel()), lr, static_cast<long long>(epochs));

    auto num = [](double x) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", x);
      return std::string(buf);
    };
    const std::vector<Variant> variants = {
        {"none", "no decay", 0, 0},
        {"L2", "coupled weight_decay " + num(l2), l2, 0},
        {"L1", "proximal l1_decay " + num(l1), 0, l1},
    };
    double acc_untrained = 0;
    std::vector<Result> results;
    for (const Variant& v : variants) {
      auto model = make_mlp(seed);  // the same initial weights for every variant
      if (results.empty()) acc_untrained = train::evaluate(*model, test_loader).at("accuracy");
      optim::Adam opt(
          optim::split_decay_groups(model->named_parameters()),
          {.lr = lr, .weight_decay = v.l2, .l1_decay = v.l1, .l1_mode = optim::L1Mode::kProximal});
      const std::string dir = out_dir + "/" + v.name;
      std::filesystem::create_directories(dir);
      std::printf("\n== %s (%s)\n", v.name.c_str(), v.rule.c_str());
      train::History h = train::fit(*model, opt, train_loader,
                                    {.epochs = epochs,
                                     .val_loader = &val_loader,
                                     .log_path = dir + "/metrics.jsonl",
                                     .plot_path = dir + "/curves.png"});
      Result r;
      r.test_accuracy = train::evaluate(*model, test_loader).at("accuracy");
      for (double s : h.seconds()) r.seconds += s;
      count_weights(*model, r);
      results.push_back(r);
    }

    std::printf(
        "\nweights: the %lld entries of the three weight matrices (biases excluded); "
        "near zero: |w| < %g\n",
        static_cast<long long>(results[0].weights), kNearZero);
    std::printf("untrained test accuracy %.2f%%\n\n", 100 * acc_untrained);
    std::printf(
        "| variant | decay                        | test accuracy | exactly 0 | near zero "
        "(|w| < %g) | train time |\n",
        kNearZero);
    std::printf(
        "|---------|------------------------------|---------------|-----------|----------"
        "---------------|------------|\n");
    for (std::size_t i = 0; i < variants.size(); ++i)
      std::printf("| %-7s | %-28s | %12.2f%% | %8.2f%% | %22.2f%% | %8.1f s |\n",
                  variants[i].name.c_str(), variants[i].rule.c_str(),
                  100 * results[i].test_accuracy, 100 * results[i].zero_share,
                  100 * results[i].near_zero_share, results[i].seconds);
    std::printf("\nwrote %s/{none,L2,L1}/metrics.jsonl and curves.png\n", out_dir.c_str());

    bool ok = true;
    for (std::size_t i = 0; i < variants.size(); ++i)
      if (!(results[i].test_accuracy > acc_untrained)) {
        std::fprintf(stderr, "weight_decay: the %s variant did not improve the test accuracy\n",
                     variants[i].name.c_str());
        ok = false;
      }
    const double others = std::max(results[0].near_zero_share, results[1].near_zero_share);
    if (!(results[2].near_zero_share >= 2 * others && results[2].near_zero_share > 0.05)) {
      std::fprintf(stderr,
                   "weight_decay: L1 shows no clear sparsity (%.2f%% near zero vs %.2f%%)\n",
                   100 * results[2].near_zero_share, 100 * others);
      ok = false;
    }
    return ok ? 0 : 1;
  });
}
