// The Fashion-MNIST feature CNN: build, train once, cache, load; the recipe is in the header.
#include "train/fashion_classifier.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "autograd/tape.h"
#include "data/dataset.h"
#include "data/fashion_mnist.h"
#include "data/loader.h"
#include "data/transforms.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/dropout.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/safetensors.h"
#include "optim/adamw.h"
#include "optim/decay_groups.h"
#include "optim/schedule.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/fit.h"

namespace minidl::train {
namespace {

constexpr const char* kFormat = "minidl-fashion-classifier";
constexpr const char* kVersion = "1";
constexpr std::size_t kFeatureLayers = 11;  // conv ... linear 128 - ReLU (before dropout)
constexpr std::int64_t kBatch = 500;

std::string recipe_key(const FashionClassifierOptions& o) {
  return "epochs=" + std::to_string(o.epochs) + " train_limit=" + std::to_string(o.train_limit) +
         " test_limit=" + std::to_string(o.test_limit) + " seed=" + std::to_string(o.seed);
}

double number(const nn::Metadata& m, const std::string& key, const std::string& path) {
  auto it = m.find(key);
  MINIDL_CHECK(it != m.end(), "fashion classifier: '", path, "' has no metadata '", key, "'");
  return std::stod(it->second);
}

}  // namespace

std::shared_ptr<nn::Sequential> fashion_cnn(Generator& gen, double dropout) {
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(1, 32, 3, gen, nn::Conv2dOptions{.padding = 1}),
      std::make_shared<nn::BatchNorm2d>(32), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Conv2d>(32, 64, 3, gen, nn::Conv2dOptions{.padding = 1}),
      std::make_shared<nn::BatchNorm2d>(64), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Flatten>(),
      std::make_shared<nn::Linear>(64 * 7 * 7, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(dropout, gen), std::make_shared<nn::Linear>(128, 10, gen));
}

FashionClassifier::FashionClassifier(std::shared_ptr<nn::Sequential> model, double mean,
                                     double stddev, double test_accuracy)
    : model_(std::move(model)), mean_(mean), stddev_(stddev), test_accuracy_(test_accuracy) {
  MINIDL_CHECK(model_ && model_->size() == kFeatureLayers + 2,
               "fashion classifier: not the fashion_cnn() architecture");
  MINIDL_CHECK(stddev_ > 0, "fashion classifier: stddev must be > 0, got ", stddev_);
}

void FashionClassifier::features_and_logits(const Tensor& images, Tensor& features,
                                            Tensor& logits) const {
  MINIDL_CHECK(images.defined() && images.dim() == 4 && images.shape()[0] >= 1 &&
                   images.shape()[1] == 1 && images.shape()[2] == 28 && images.shape()[3] == 28,
               "fashion classifier: images must be [N, 1, 28, 28] with N >= 1, got ",
               images.defined() ? shape_str(images.shape()) : std::string("undefined"));
  NoGradGuard no_grad;
  const bool was_training = model_->is_training();
  model_->eval();
  const std::int64_t n = images.shape()[0];
  std::vector<Tensor> f, l;
  for (std::int64_t start = 0; start < n; start += kBatch) {
    const std::int64_t b = std::min(kBatch, n - start);
    Tensor x = images.narrow_rows(start, b).to(kFloat32);
    x = mul(add(x, -mean_), 1.0 / stddev_);
    Variable h(x);
    for (std::size_t i = 0; i < kFeatureLayers; ++i) h = (*(*model_)[i])(h);
    f.push_back(h.value());
    for (std::size_t i = kFeatureLayers; i < model_->size(); ++i) h = (*(*model_)[i])(h);
    l.push_back(h.value());
  }
  model_->train(was_training);
  features = concat(f, 0);
  logits = concat(l, 0);
}

Tensor FashionClassifier::features(const Tensor& images) const {
  Tensor f, l;
  features_and_logits(images, f, l);
  return f;
}

Tensor FashionClassifier::logits(const Tensor& images) const {
  Tensor f, l;
  features_and_logits(images, f, l);
  return l;
}

std::string default_fashion_classifier_path() {
  const char* dir = std::getenv("MINIDL_CACHE_DIR");
  if (dir && *dir) return std::string(dir) + "/fashion_cnn.safetensors";
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg && *xdg) return std::string(xdg) + "/minidl/fashion_cnn.safetensors";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.cache/minidl/fashion_cnn.safetensors";
}

void save_fashion_classifier(const std::string& path, const nn::Sequential& model, double mean,
                             double stddev, double test_accuracy,
                             const FashionClassifierOptions& recipe) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  char buf[3][32];
  std::snprintf(buf[0], sizeof buf[0], "%.17g", mean);
  std::snprintf(buf[1], sizeof buf[1], "%.17g", stddev);
  std::snprintf(buf[2], sizeof buf[2], "%.17g", test_accuracy);
  nn::save_weights(model, path,
                   {{"format", kFormat},
                    {"version", kVersion},
                    {"mean", buf[0]},
                    {"stddev", buf[1]},
                    {"test_accuracy", buf[2]},
                    {"recipe", recipe_key(recipe)}});
}

FashionClassifier load_fashion_classifier(const std::string& path) {
  nn::SafetensorsContents c = nn::load_safetensors(path);
  auto fmt = c.metadata.find("format");
  auto ver = c.metadata.find("version");
  MINIDL_CHECK(fmt != c.metadata.end() && fmt->second == kFormat && ver != c.metadata.end() &&
                   ver->second == kVersion,
               "fashion classifier: '", path, "' is not a minidl Fashion-MNIST classifier (",
               kFormat, " version ", kVersion, ")");
  Generator gen(0);
  auto model = fashion_cnn(gen);
  model->load_state_dict(c.tensors);
  return FashionClassifier(model, number(c.metadata, "mean", path),
                           number(c.metadata, "stddev", path),
                           number(c.metadata, "test_accuracy", path));
}

FashionClassifier load_or_train_fashion_classifier(const FashionClassifierOptions& o) {
  MINIDL_CHECK(o.epochs >= 1, "fashion classifier: epochs must be >= 1, got ", o.epochs);
  const std::string path = o.cache_path.empty() ? default_fashion_classifier_path() : o.cache_path;
  if (o.cache && std::filesystem::exists(path)) {
    const nn::SafetensorsContents c = nn::load_safetensors(path);
    auto recipe = c.metadata.find("recipe");
    if (recipe != c.metadata.end() && recipe->second == recipe_key(o))
      return load_fashion_classifier(path);
  }
  data::ImageSet train_set =
      data::load_fashion_mnist(data::Split::kTrain, {.dir = o.data_dir, .limit = o.train_limit});
  data::ImageSet test_set =
      data::load_fashion_mnist(data::Split::kTest, {.dir = o.data_dir, .limit = o.test_limit});
  auto [mean, stddev] = data::channel_mean_std(train_set.images);
  const data::Transform norm = data::normalize(mean, stddev);
  data::DataLoader train_loader(
      train_set.images, train_set.labels,
      {.batch_size = 128, .shuffle = true, .seed = o.seed + 1, .transform = norm});
  data::DataLoader test_loader(test_set.images, test_set.labels,
                               {.batch_size = kBatch, .transform = norm});
  Generator gen(o.seed);
  auto model = fashion_cnn(gen);
  optim::AdamW opt(optim::split_decay_groups(model->named_parameters()),
                   {.lr = 2e-3, .weight_decay = 0.05});
  optim::CosineAnnealingLR schedule(opt, {.t_max = o.epochs * train_loader.num_batches()});
  fit(*model, opt, train_loader,
      {.epochs = o.epochs,
       .scheduler = &schedule,
       .schedule_step = ScheduleStep::kBatch,
       .verbose = o.verbose});
  const double acc = evaluate(*model, test_loader).at("accuracy");
  if (o.cache) save_fashion_classifier(path, *model, mean[0], stddev[0], acc, o);
  return FashionClassifier(model, mean[0], stddev[0], acc);
}

ClassHistogram class_histogram(const Tensor& labels, std::int64_t classes) {
  MINIDL_CHECK(classes >= 1, "class_histogram: classes must be >= 1, got ", classes);
  MINIDL_CHECK(
      labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1 && labels.numel() >= 1,
      "class_histogram: labels must be non-empty int64 [N]");
  ClassHistogram h;
  std::vector<std::int64_t> counts(static_cast<std::size_t>(classes), 0);
  const std::int64_t* y = labels.data<std::int64_t>();
  const std::int64_t n = labels.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    MINIDL_CHECK(y[i] >= 0 && y[i] < classes, "class_histogram: label ", y[i], " at ", i,
                 " is outside [0, ", classes, ")");
    ++counts[static_cast<std::size_t>(y[i])];
  }
  // Fractions from counts (a sum of 1/n would leave p = 1 + ulp, and -0.000 nats for one class).
  for (std::int64_t c : counts) {
    const double p = static_cast<double>(c) / static_cast<double>(n);
    h.fractions.push_back(p);
    if (c > 0) {
      h.entropy += p * std::log(static_cast<double>(n) / static_cast<double>(c));
      ++h.classes_present;
    }
  }
  return h;
}

}  // namespace minidl::train
