#include "examples/common/fashion_demo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "dist/comm.h"
#include "optim/adamw.h"
#include "optim/decay_groups.h"
#include "optim/schedule.h"
#include "tensor/error.h"

namespace minidl::examples {

void add_classifier_demo_flags(Flags& app, ClassifierDemoFlags& f, const ClassifierDemoHelp& help) {
  FlagOption* budget = app.add_option("--epochs", f.epochs, "training epochs (full mode)");
  budget->excludes(app.add_flag("--quick", f.quick, help.quick));
  app.add_option("--out", f.out_dir, "folder for metrics.jsonl and curves.png");
  app.add_option("--seed", f.seed, help.seed);
  app.add_option("--lr", f.lr, "peak learning rate (cosine-annealed to 0 over the epochs)");
  app.add_option("--dropout", f.dropout, help.dropout);
  app.add_option("--weight-decay", f.weight_decay, "AdamW decoupled weight decay (weights only)");
  app.add_option("--batch", f.batch, "batch size");
  app.add_option("--data", f.data_dir, "Fashion-MNIST folder (default: the Debian package's)");
  app.add_flag(
      "--distributed", f.distributed,
      "data parallel over the MPI ranks (mpirun -np P ...); --batch stays the global batch");
}

FashionSplit load_fashion_split(const std::string& dir, const FashionSplitOptions& o) {
  MINIDL_CHECK(data::fashion_mnist_available(dir), "Fashion-MNIST not found in ",
               data::fashion_mnist_dir(dir),
               " (install Debian's dataset-fashion-mnist, or pass --data / set "
               "MINIDL_FASHION_MNIST_DIR)");
  FashionSplit s;
  s.train_set = data::load_fashion_mnist(
      data::Split::kTrain, {.dir = dir, .flatten = o.flatten, .limit = o.train_limit});
  s.test_set = data::load_fashion_mnist(data::Split::kTest,
                                        {.dir = dir, .flatten = o.flatten, .limit = o.test_limit});
  const data::SplitIndices split =
      data::stratified_split(s.train_set.labels, {.val_fraction = o.val_fraction, .seed = o.seed});
  auto full = std::make_shared<data::TensorDataset>(s.train_set.images, s.train_set.labels);
  std::tie(s.train, s.val) = data::split_dataset(full, split);
  return s;
}

std::pair<double, double> pixel_mean_std(const Tensor& x) {
  const float* p = x.data<float>();
  const std::int64_t n = x.numel();
  double sum = 0, sum_sq = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    sum += p[i];
    sum_sq += static_cast<double>(p[i]) * p[i];
  }
  const double mean = sum / static_cast<double>(n);
  return {mean, std::sqrt(sum_sq / static_cast<double>(n) - mean * mean)};
}

FashionLoaders fashion_loaders(const FashionSplit& s, const FashionLoaderOptions& o) {
  return {data::DataLoader(s.train, {.batch_size = o.batch_size,
                                     .shuffle = true,
                                     .seed = o.seed,
                                     .transform = o.train_transform,
                                     .prefetch = o.prefetch}),
          data::DataLoader(s.val, {.batch_size = o.eval_batch_size, .transform = o.eval_transform}),
          data::DataLoader(s.test_set.images, s.test_set.labels,
                           {.batch_size = o.eval_batch_size, .transform = o.eval_transform})};
}

ClassifierFit fit_classifier_demo(nn::Module& model, const ClassifierDemoFlags& f,
                                  const FashionLoaders& loaders,
                                  std::chrono::steady_clock::time_point start) {
  optim::AdamW opt(optim::split_decay_groups(model.named_parameters()),
                   {.lr = f.lr, .weight_decay = f.weight_decay});
  optim::CosineAnnealingLR schedule(opt, {.t_max = f.epochs * loaders.train.num_batches()});
  std::printf(
      "AdamW lr %g (cosine to 0 per batch over %lld epochs), weight decay %g on the "
      "weights, dropout %g, batch %lld\n",
      f.lr, static_cast<long long>(f.epochs), f.weight_decay, f.dropout,
      static_cast<long long>(f.batch));

  ClassifierFit r;
  r.acc_before = train::evaluate(model, loaders.test).at("accuracy");
  r.log_path = f.out_dir + "/metrics.jsonl";
  r.png_path = f.out_dir + "/curves.png";
  std::printf("untrained test accuracy %.2f%%\n", 100 * r.acc_before);
  std::filesystem::create_directories(f.out_dir);
  r.history = train::fit(model, opt, loaders.train,
                         {.epochs = f.epochs,
                          .val_loader = &loaders.val,
                          .scheduler = &schedule,
                          .schedule_step = train::ScheduleStep::kBatch,
                          .log_path = r.log_path,
                          .plot_path = r.png_path,
                          .distributed = f.distributed});
  const train::History& h = r.history;
  if (f.distributed)
    std::printf("%d ranks; %s\n", dist::world_size(), h.communication.summary().c_str());
  const train::Logs test = train::evaluate(model, loaders.test);
  double train_seconds = 0;
  for (double s : h.seconds()) train_seconds += s;
  r.test_accuracy = test.at("accuracy");
  const std::vector<double> val_acc = h.val_accuracy();
  std::printf("\nbest validation accuracy %.2f%%, final validation accuracy %.2f%%\n",
              100 * *std::max_element(val_acc.begin(), val_acc.end()), 100 * val_acc.back());
  std::printf(
      "test accuracy %.2f%% (untrained %.2f%%), test loss %.4f after %zu epochs; "
      "training %.1f s (%.2f s/epoch), total %.1f s\n",
      100 * r.test_accuracy, 100 * r.acc_before, test.at("loss"), h.epoch.size(), train_seconds,
      train_seconds / static_cast<double>(h.epoch.size()),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return r;
}

int improvement_exit_code(const std::string& name, double acc, double acc_before) {
  if (acc > acc_before) return 0;
  std::fprintf(stderr, "%s: training did not improve the test accuracy\n", name.c_str());
  return 1;
}

}  // namespace minidl::examples
