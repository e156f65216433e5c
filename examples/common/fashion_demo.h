// What the Fashion-MNIST demos (examples/fashion_mlp.cpp, fashion_cnn.cpp, early_stopping.cpp,
// weight_decay.cpp) share: the data with a stratified validation split held out of the training
// set, the three loaders, and (for the two classifiers) the fit on it with its closing summary.
// Each demo keeps its own flags, model and what it shows; the data path and the error handling
// are the same as the per-loss examples' (examples::run: "<name>: error: ...", exit code 1).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "data/dataset.h"
#include "data/fashion_mnist.h"
#include "data/loader.h"
#include "data/transforms.h"
#include "examples/common/flags.h"
#include "nn/module.h"
#include "train/fit.h"

namespace minidl::examples {

// The flags of the two classifier demos (fashion_mlp, fashion_cnn); the defaults are each demo's.
struct ClassifierDemoFlags {
  std::int64_t epochs;
  bool quick = false;
  std::string out_dir;
  std::uint64_t seed = 0;
  double lr;
  double dropout;
  double weight_decay = 0.05;
  std::int64_t batch = 128;
  std::string data_dir = "";
  // --distributed: data parallel over the MPI ranks (mpirun -np P ...); the program opens a
  // dist::Session after parsing, and --batch stays the global batch (docs/distributed.md).
  bool distributed = false;
};
// What --quick, --seed and --dropout mean in the demo.
struct ClassifierDemoHelp {
  std::string quick, seed, dropout;
};
// --epochs (refused with --quick, which fixes its own budget), --quick, --out, --seed, --lr,
// --dropout, --weight-decay, --batch, --data, --distributed.
void add_classifier_demo_flags(Flags& app, ClassifierDemoFlags& flags,
                               const ClassifierDemoHelp& help);

struct FashionSplitOptions {
  std::int64_t train_limit = -1;  // the first samples of each set (-1: all)
  std::int64_t test_limit = -1;
  bool flatten = true;        // images [N, 784]; false: [N, 1, 28, 28]
  double val_fraction = 0.1;  // of the training set, stratified by class
  std::uint64_t seed = 0;     // of the split
};

// The whole training set (train + validation: its pixels give the standardisation), its two
// parts, and the test set, which is never trained on.
struct FashionSplit {
  data::ImageSet train_set, test_set;
  std::shared_ptr<data::Subset> train, val;
};

// Throws minidl::Error "Fashion-MNIST not found in <dir> (install ...)" when the data is missing.
FashionSplit load_fashion_split(const std::string& data_dir, const FashionSplitOptions& options);

// Mean and population standard deviation of every element of x (float32).
std::pair<double, double> pixel_mean_std(const Tensor& x);

struct FashionLoaderOptions {
  std::int64_t batch_size = 128;
  std::uint64_t seed = 0;           // the training loader's shuffling (and its transform's draws)
  data::Transform train_transform;  // standardisation, with augmentation if any
  data::Transform eval_transform;   // standardisation only
  std::int64_t eval_batch_size = 1000;
  std::int64_t prefetch = 1;
};

struct FashionLoaders {
  data::DataLoader train, val, test;
};
FashionLoaders fashion_loaders(const FashionSplit& split, const FashionLoaderOptions& options);

// The rest of a classifier demo's run once its model is built: AdamW (decoupled weight decay on
// the weights only, optim::split_decay_groups) with the learning rate cosine-annealed to 0 per
// batch, the untrained test accuracy, fit for flags.epochs with the validation loader,
// <out_dir>/metrics.jsonl and <out_dir>/curves.png; then the test set and the summary (best and
// final validation accuracy; test accuracy and loss, training and total time since `start`).
struct ClassifierFit {
  train::History history;
  double acc_before = 0, test_accuracy = 0;
  std::string log_path, png_path;
};
ClassifierFit fit_classifier_demo(nn::Module& model, const ClassifierDemoFlags& flags,
                                  const FashionLoaders& loaders,
                                  std::chrono::steady_clock::time_point start);

// 0 when the test accuracy rose above the untrained one; else says so on stderr and returns 1.
int improvement_exit_code(const std::string& name, double acc, double acc_before);

}  // namespace minidl::examples
