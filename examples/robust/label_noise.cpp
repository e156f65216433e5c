// label_noise: the robust-loss study. Which loss learns Fashion-MNIST best when 30% of the
// training labels are wrong?
//
// 30% of the training labels are replaced by another class at random (symmetric noise,
// examples/robust/noisy_labels.h); the test labels are clean. The same 784-256-256-10 MLP (same
// initial weights, same batch order, Adam) is trained four times, once per loss:
//   cross entropy                         the baseline; its 1 / p_y gradient weight makes the
//                                         network memorise the wrong labels once it has
//                                         fitted the clean ones
//   cross entropy, label_smoothing 0.1    softer targets (Szegedy et al. 2016): less confident,
//                                         but still unbounded on a wrong label
//   generalized cross entropy, q = 0.7    (1 - p_y^q) / q, Zhang & Sabuncu 2018
//   symmetric cross entropy               0.1 CE + 1.0 RCE with A = -4, Wang et al. 2019
// and the clean test accuracy after the last epoch is compared (the last epoch, not the best one:
// no clean validation set exists in a noisy-label setting to pick an epoch with).
//
// Improvement criterion (the exit code): the better of the two noise-robust losses, GCE and SCE,
// must beat plain cross entropy's clean test accuracy. Label smoothing is reported but not part of
// the criterion, since it is a regulariser rather than a noise-robust loss.
//
//   label_noise [--quick] [--epochs N] [--noise R] [--out DIR] [--seed S]
// Writes DIR/label_noise.json (the table) and DIR/result.json.
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "examples/robust/noisy_labels.h"
#include "losses/classification.h"
#include "losses/robust.h"
#include "tensor/file_util.h"

using namespace minidl;

namespace {

struct Entry {
  std::string name;
  std::string setting;
  examples::ClassLoss loss;
  double accuracy = 0;
};

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "label_noise", .epochs = 40, .uses_fashion = true};
  double noise = 0.3;
  examples::Flags app{"minidl study: CE vs label smoothing vs GCE vs SCE under 30% label noise"};
  examples::add_standard_flags(app, opt);
  app.add_option("--noise", noise, "share of training labels flipped")->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    const std::int64_t train_n = opt.quick ? 2000 : 10000;
    examples::Fashion data = examples::load_fashion(opt, train_n, 2000);
    data.x_train = examples::rows(data.x_train, 0, train_n);
    data.y_train = examples::rows(data.y_train, 0, train_n);
    Generator gen(opt.seed + 1);
    const examples::NoisyLabels noisy = examples::add_symmetric_noise(data.y_train, noise, 10, gen);
    const examples::NoisyRun run{.epochs = opt.quick ? 12 : opt.epochs, .seed = opt.seed};
    std::printf(
        "%lld of %lld training labels flipped, %lld test images with clean labels, "
        "%lld epochs\n",
        static_cast<long long>(noisy.flipped), static_cast<long long>(train_n),
        static_cast<long long>(data.y_test.numel()), static_cast<long long>(run.epochs));

    std::vector<Entry> entries = {
        {"cross_entropy", "",
         [](const Variable& z, const Variable& y) { return losses::cross_entropy(z, y); }},
        {"label_smoothing", "cross_entropy, label_smoothing 0.1",
         [](const Variable& z, const Variable& y) {
           return losses::cross_entropy(z, y, {.label_smoothing = 0.1});
         }},
        {"generalized_cross_entropy", "q 0.7",
         [](const Variable& z, const Variable& y) {
           return losses::generalized_cross_entropy(z, y, {.q = 0.7});
         }},
        {"symmetric_cross_entropy", "alpha 0.1, beta 1.0, A -4",
         [](const Variable& z, const Variable& y) {
           return losses::symmetric_cross_entropy(z, y);
         }},
    };
    for (Entry& e : entries)
      e.accuracy = examples::train_on_noisy_labels(e.loss, data.x_train, noisy.labels, data.x_test,
                                                   data.y_test, run);

    const double ce = entries[0].accuracy;
    std::printf("\n%-27s %-36s %14s %10s\n", "loss", "setting", "clean test acc", "vs CE");
    nlohmann::json table = nlohmann::json::array();
    for (const Entry& e : entries) {
      std::printf("%-27s %-36s %14.4f %+10.4f\n", e.name.c_str(), e.setting.c_str(), e.accuracy,
                  e.accuracy - ce);
      table.push_back(
          {{"loss", e.name}, {"setting", e.setting}, {"clean_test_accuracy", e.accuracy}});
    }
    const Entry& best = entries[2].accuracy >= entries[3].accuracy ? entries[2] : entries[3];
    nlohmann::json doc = {{"noise", noise},           {"flipped", noisy.flipped},
                          {"train_samples", train_n}, {"epochs", run.epochs},
                          {"quick", opt.quick},       {"seed", opt.seed},
                          {"results", table},         {"best_robust", best.name}};
    std::filesystem::create_directories(opt.out_dir);
    write_file_atomic(opt.out_dir + "/label_noise.json", doc.dump(2) + "\n");

    char detail[200];
    std::snprintf(detail, sizeof detail,
                  "%.0f%% noise: CE %.4f, label smoothing %.4f, GCE %.4f, SCE %.4f", 100 * noise,
                  ce, entries[1].accuracy, entries[2].accuracy, entries[3].accuracy);
    return examples::report({.example = opt.name,
                             .loss = "",
                             .family = "robust",
                             .metric = "clean test accuracy, CE -> best of GCE/SCE",
                             .before = ce,
                             .after = best.accuracy,
                             .higher_is_better = true,
                             .detail = detail},
                            opt);
  });
}
