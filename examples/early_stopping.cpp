// early_stopping: stop training when the validation loss stops improving, and keep the best
// weights (Keras 3's EarlyStopping, train/callbacks.h).
//
// An MLP (784-256-128-10, ReLU, no dropout) is trained with Adam on a fraction of the Fashion-MNIST
// training set, so it overfits within a few epochs: the training loss keeps falling while the
// validation loss (on a stratified 20% split of the training set) turns back up. EarlyStopping
// watches val_loss: once it has not improved on its best by more than min_delta for `patience`
// epochs, training stops, and the weights of the best epoch are restored. The program says which
// epoch was best and why it stopped, and evaluates the validation set with the last epoch's
// weights (just before the restore) and after it, to show that the restored weights are the best.
//
//   early_stopping [--epochs N] [--quick] [--out DIR] [--seed S] [--patience P]
//                  [--min-delta D] [--lr LR] [--train-size N] [--data DIR]
// Writes DIR/metrics.jsonl and DIR/curves.png. Exits 1 if the restored weights are not better on
// the test set than the untrained ones, if their validation loss is not the best seen, or on error.
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
#include "train/callbacks.h"
#include "train/fit.h"

using namespace minidl;

namespace {

// Evaluates the validation set at the end of training. Listed before EarlyStopping, whose
// on_train_end restores the best weights, it sees the weights of the last epoch.
class LastWeightsProbe : public train::Callback {
 public:
  explicit LastWeightsProbe(const data::DataLoader& val) : val_(val) {}
  std::string name() const override { return "last_weights_probe"; }
  void on_train_end(train::TrainContext& ctx, const train::Logs&) override {
    val_loss_ = train::evaluate(ctx.model, val_).at("loss");
  }
  double val_loss() const { return val_loss_; }

 private:
  const data::DataLoader& val_;
  double val_loss_ = NAN;
};

}  // namespace

int main(int argc, char** argv) {
  examples::Flags app{"minidl example: EarlyStopping on val_loss with restore_best_weights"};
  std::int64_t epochs = 60;
  bool quick = false;
  std::string out_dir = "out/early_stopping";
  std::uint64_t seed = 0;
  std::int64_t patience = 3;
  double min_delta = 1e-3, lr = 1e-3;
  std::int64_t train_size = 20000;
  std::string data_dir;
  app.add_option("--epochs", epochs,
                 "the most epochs to train (EarlyStopping usually ends sooner)");
  app.add_flag("--quick", quick, "5k train / 2k test samples, as CI runs it");
  app.add_option("--out", out_dir, "folder for metrics.jsonl and curves.png");
  app.add_option("--seed", seed, "seed of the split, the initial weights and shuffling");
  app.add_option("--patience", patience, "epochs without improvement before stopping");
  app.add_option("--min-delta", min_delta, "smallest decrease of val_loss that counts");
  app.add_option("--lr", lr, "Adam learning rate");
  app.add_option("--train-size", train_size, "training images used (train + validation split)");
  app.add_option("--data", data_dir, "Fashion-MNIST folder (default: the Debian package's)");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  if (quick) {
    train_size = 5000;
    epochs = std::min<std::int64_t>(epochs, 30);
    lr = 2e-3;
  }

  return examples::run("early_stopping", [&] {
    const examples::FashionSplit split =
        examples::load_fashion_split(data_dir, {.train_limit = train_size,
                                                .test_limit = quick ? 2000 : -1,
                                                .val_fraction = 0.2,
                                                .seed = seed});
    // Fashion-MNIST's training pixel mean and standard deviation.
    const data::Transform norm = data::normalize({0.2860}, {0.3530});
    const examples::FashionLoaders loaders =
        examples::fashion_loaders(split, {.batch_size = 64,
                                          .seed = seed + 1,
                                          .train_transform = norm,
                                          .eval_transform = norm,
                                          .prefetch = 0});
    const data::DataLoader &train_loader = loaders.train, &val_loader = loaders.val,
                           &test_loader = loaders.test;
    std::printf("Fashion-MNIST: %lld train / %lld validation / %lld test images\n",
                static_cast<long long>(split.train->size()),
                static_cast<long long>(split.val->size()),
                static_cast<long long>(split.test_set.labels.numel()));

    Generator gen(seed);
    auto model = std::make_shared<nn::Sequential>(
        std::make_shared<nn::Linear>(784, 256, gen), std::make_shared<nn::ReLU>(),
        std::make_shared<nn::Linear>(256, 128, gen), std::make_shared<nn::ReLU>(),
        std::make_shared<nn::Linear>(128, 10, gen));
    optim::Adam opt(model->parameters(), {.lr = lr});
    const double acc_before = train::evaluate(*model, test_loader).at("accuracy");

    auto probe = std::make_shared<LastWeightsProbe>(val_loader);
    auto stop = std::make_shared<train::EarlyStopping>(train::EarlyStoppingOptions{
        .monitor = "val_loss",
        .min_delta = min_delta,
        .patience = patience,
        .restore_best_weights = true,
        .verbose = true,
    });
    std::printf(
        "Adam lr %g, batch 64, up to %lld epochs; EarlyStopping(monitor val_loss, "
        "min_delta %g, patience %lld, restore_best_weights)\n",
        lr, static_cast<long long>(epochs), min_delta, static_cast<long long>(patience));

    std::filesystem::create_directories(out_dir);
    const std::string log_path = out_dir + "/metrics.jsonl", png_path = out_dir + "/curves.png";
    train::History h = train::fit(*model, opt, train_loader,
                                  {.epochs = epochs,
                                   .val_loader = &val_loader,
                                   .callbacks = {probe, stop},
                                   .log_path = log_path,
                                   .plot_path = png_path});

    const std::vector<double> val_loss = h.val_loss();
    const std::int64_t best = stop->best_epoch();  // numbered from 1, as everywhere
    const std::int64_t last = h.epoch.back();
    std::printf("\nval_loss per epoch:");
    for (std::size_t i = 0; i < val_loss.size(); ++i)
      std::printf("%s %lld:%.4f%s", i % 8 == 0 ? "\n " : "", static_cast<long long>(h.epoch[i]),
                  val_loss[i], h.epoch[i] == best ? "*" : "");
    std::printf("   (* best)\n");
    std::printf("best epoch: %lld with val_loss %.4f\n", static_cast<long long>(best),
                *stop->best());
    if (h.stopped) {
      std::printf(
          "stopped after epoch %lld of at most %lld: val_loss had not improved on %.4f "
          "(epoch %lld) by more than min_delta %g for %lld epochs (patience %lld)\n",
          static_cast<long long>(stop->stopped_epoch()), static_cast<long long>(epochs),
          *stop->best(), static_cast<long long>(best), min_delta,
          static_cast<long long>(stop->wait()), static_cast<long long>(patience));
    } else {
      std::printf(
          "ran all %lld epochs: val_loss never went %lld epochs without improving by "
          "min_delta %g\n",
          static_cast<long long>(epochs), static_cast<long long>(patience), min_delta);
    }

    const double after = train::evaluate(*model, val_loader).at("loss");
    const double best_seen = *std::min_element(val_loss.begin(), val_loss.end());
    std::printf("validation loss with the last epoch's weights (epoch %lld): %.4f\n",
                static_cast<long long>(last), probe->val_loss());
    std::printf(
        "validation loss after restoring the best weights (%s):    %.4f (logged at "
        "epoch %lld: %.4f; lowest in the log %.4f)\n",
        stop->restored() ? "restored" : "NOT restored", after, static_cast<long long>(best),
        *stop->best(), best_seen);
    train::Logs test = train::evaluate(*model, test_loader);
    std::printf(
        "test accuracy with the restored weights %.2f%% (untrained %.2f%%), test loss "
        "%.4f\n",
        100 * test.at("accuracy"), 100 * acc_before, test.at("loss"));
    std::printf("wrote %s and %s\n", log_path.c_str(), png_path.c_str());

    if (!(test.at("accuracy") > acc_before)) {
      std::fprintf(stderr, "early_stopping: training did not improve the test accuracy\n");
      return 1;
    }
    // The restored weights must reproduce the best epoch's val_loss, which is within min_delta
    // of the lowest logged one (a smaller improvement does not count as one).
    if (!stop->restored() || std::abs(after - *stop->best()) > 1e-5 * std::max(1.0, after) ||
        after > best_seen + std::abs(min_delta) + 1e-9 || after > probe->val_loss() + 1e-9) {
      std::fprintf(stderr,
                   "early_stopping: the restored weights do not give the best validation loss\n");
      return 1;
    }
    return 0;
  });
}
