// minidl's own Fashion-MNIST CNN as a feature extractor (layer 4): the network behind the
// Fréchet distance and the class histogram of generated images (examples/gan/gan_fashion.cpp),
// in the role Inception-v3 plays for FID on ImageNet-like data.
//
//   conv 3x3 32 - batch norm - ReLU - max pool 2   [N, 32, 14, 14]
//   conv 3x3 64 - batch norm - ReLU - max pool 2   [N, 64, 7, 7]
//   flatten - linear 128 - ReLU                    [N, 128]   <- features()
//   dropout - linear 10                            [N, 10]    <- logits()
// The architecture and the recipe of examples/fashion_cnn.cpp (which builds its model with
// fashion_cnn() below): AdamW(2e-3, weight decay 0.05 on weights only), cosine-annealed per batch,
// batch 128, dropout 0.3, inputs standardised with the training pixels' mean and std.
//
// Trained on first use and cached: load_or_train_fashion_classifier() loads `cache_path` when it
// holds a classifier trained with the same epochs / train_limit / seed, otherwise trains one (5
// epochs on the 60000 training images: ~91% test accuracy; a few minutes on 2 cores) and writes it
// there atomically (safetensors; the metadata keeps the standardisation, the recipe and the test
// accuracy). The default cache is $MINIDL_CACHE_DIR/fashion_cnn.safetensors, else
// $XDG_CACHE_HOME/minidl/..., else $HOME/.cache/minidl/... (default_fashion_classifier_path()).
// `fashion_cnn --save PATH` writes the same file from the example.
//
// Shapes: images [N, 1, 28, 28] float in [0, 1] (the pixels of data/fashion_mnist.h), N >= 1.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "nn/sequential.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::train {

// The CNN above, PyTorch's default init from gen.
std::shared_ptr<nn::Sequential> fashion_cnn(Generator& gen, double dropout = 0.3);

struct FashionClassifierOptions {
  std::string cache_path = "";  // "" for default_fashion_classifier_path()
  bool cache = true;            // false: always train, write nothing
  std::string data_dir = "";    // Fashion-MNIST folder ("" = the Debian package's)
  std::int64_t epochs = 5;
  std::int64_t train_limit = -1;  // first n training images (quick modes); -1 all
  std::int64_t test_limit = -1;   // first n test images for test_accuracy; -1 all
  std::uint64_t seed = 0;
  int verbose = 0;  // fit()'s progress while training
};

class FashionClassifier {
 public:
  FashionClassifier(std::shared_ptr<nn::Sequential> model, double mean, double stddev,
                    double test_accuracy);

  // The 128 ReLU features before dropout, eval mode, no recording, in batches of 500: float32
  // [N, 128].
  Tensor features(const Tensor& images) const;
  // Class scores [N, 10] (eval mode).
  Tensor logits(const Tensor& images) const;
  // Both from one pass.
  void features_and_logits(const Tensor& images, Tensor& features, Tensor& logits) const;

  double test_accuracy() const { return test_accuracy_; }  // on the (first test_limit) test images
  nn::Sequential& model() { return *model_; }

 private:
  std::shared_ptr<nn::Sequential> model_;
  double mean_, stddev_, test_accuracy_;
};

std::string default_fashion_classifier_path();

// Saves the model with its standardisation and recipe (atomically), and loads it back; loading
// checks the format and every weight's name, shape and dtype.
void save_fashion_classifier(const std::string& path, const nn::Sequential& model, double mean,
                             double stddev, double test_accuracy,
                             const FashionClassifierOptions& recipe);
FashionClassifier load_fashion_classifier(const std::string& path);

// The cached classifier when its recipe matches, else a freshly trained (and cached) one.
FashionClassifier load_or_train_fashion_classifier(const FashionClassifierOptions& options = {});

// Entropy in nats of the class histogram of predicted labels [N] int64 in 0..classes-1, and the
// histogram itself (fractions): log(classes) when uniform, 0 when every prediction is one class.
struct ClassHistogram {
  std::vector<double> fractions;
  double entropy = 0;
  std::int64_t classes_present = 0;
};
ClassHistogram class_histogram(const Tensor& labels, std::int64_t classes);

}  // namespace minidl::train
