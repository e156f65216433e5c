// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28x28 grey images of 10 clothing classes, 60000
// for training and 10000 for testing, in IDX files. Debian's `dataset-fashion-mnist` package
// installs them, gzip'd, in /usr/share/datasets/fashion-mnist/.
//
// Shapes: images [N, 1, 28, 28] (or [N, 784] with flatten) float32 in [0, 1] (pixel / 255, as
// torchvision's ToTensor); labels [N] int64 in 0..9.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "tensor/tensor.h"

namespace minidl::data {

enum class Split { kTrain, kTest };

struct FashionMnistOptions {
  // Folder holding the four IDX files; empty means $MINIDL_FASHION_MNIST_DIR when set, else
  // kFashionMnistDefaultDir.
  std::string dir{};
  bool flatten = false;     // images [N, 784] instead of [N, 1, 28, 28]
  std::int64_t limit = -1;  // keep only the first `limit` samples (quick modes); -1 keeps all
};

inline constexpr const char* kFashionMnistDefaultDir = "/usr/share/datasets/fashion-mnist";
inline constexpr std::int64_t kFashionMnistClasses = 10;

struct ImageSet {
  Tensor images;  // float32 [N, 1, 28, 28] or [N, 784]
  Tensor labels;  // int64 [N]
};

// Loads one split. A missing folder or file is an error naming the path and the Debian package.
ImageSet load_fashion_mnist(Split split, const FashionMnistOptions& options = {});
// The same split kept as bytes (ByteDataset, data/dataset.h): batches hold exactly the float32
// pixels and labels load_fashion_mnist gives, from a quarter of the memory (47 MB instead of
// 188 MB for the training images). For a DataLoader: DataLoader(load_fashion_mnist_bytes(...)).
std::shared_ptr<ByteDataset> load_fashion_mnist_bytes(Split split,
                                                      const FashionMnistOptions& options = {});

// The folder load_fashion_mnist would read for `dir` (resolving the empty default).
std::string fashion_mnist_dir(const std::string& dir = "");
// True when all four files are in that folder (plain or .gz); lets tests and examples skip.
bool fashion_mnist_available(const std::string& dir = "");

// "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
// "Ankle boot", indexed by label.
const std::vector<std::string>& fashion_mnist_classes();

}  // namespace minidl::data
