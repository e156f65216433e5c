#include "data/fashion_mnist.h"

#include <cstdlib>
#include <filesystem>
#include <future>

#include "data/idx.h"

namespace minidl::data {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPackageHint =
    "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), or "
    "point MINIDL_FASHION_MNIST_DIR or the dir option at a folder with the four IDX files";

// The file for `stem` in dir: the .gz the Debian package ships, or an already-unpacked copy.
std::string find_file(const std::string& dir, const std::string& stem) {
  for (const std::string& name : {stem + ".gz", stem}) {
    const fs::path p = fs::path(dir) / name;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

std::string require_file(const std::string& dir, const std::string& stem) {
  std::error_code ec;
  MINIDL_CHECK(fs::is_directory(dir, ec), "load_fashion_mnist: dataset folder ", dir,
               " does not exist; ", kPackageHint);
  std::string path = find_file(dir, stem);
  MINIDL_CHECK(!path.empty(), "load_fashion_mnist: ", (fs::path(dir) / stem).string(),
               "[.gz] not found; ", kPackageHint);
  return path;
}

// The shape and label checks both loaders share: 28x28 images, one label in 0..9 per image.
void check_split(const std::string& images_path, const std::string& labels_path, const Shape& s,
                 const Tensor& labels) {
  MINIDL_CHECK(s[1] == 28 && s[2] == 28, "load_fashion_mnist: ", images_path,
               ": expected 28x28 images, the file has ", shape_str(s));
  const std::int64_t n = s[0];
  MINIDL_CHECK(labels.size(0) == n, "load_fashion_mnist: ", images_path, " has ", n, " images but ",
               labels_path, " has ", labels.size(0), " labels");
  const std::int64_t* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i)
    MINIDL_CHECK(y[i] >= 0 && y[i] < kFashionMnistClasses, "load_fashion_mnist: ", labels_path,
                 ": label ", y[i], " at index ", i, " is outside 0..9");
}

}  // namespace

std::string fashion_mnist_dir(const std::string& dir) {
  if (!dir.empty()) return dir;
  const char* env = std::getenv("MINIDL_FASHION_MNIST_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(kFashionMnistDefaultDir);
}

bool fashion_mnist_available(const std::string& dir) {
  const std::string d = fashion_mnist_dir(dir);
  for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"})
    if (find_file(d, stem).empty()) return false;
  return true;
}

ImageSet load_fashion_mnist(Split split, const FashionMnistOptions& options) {
  const std::string dir = fashion_mnist_dir(options.dir);
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::string images_path = require_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = require_file(dir, prefix + "-labels-idx1-ubyte");

  // The image file's gzip decode dominates; the labels decode beside it on another thread.
  auto labels_future = std::async(std::launch::async, [&] {
    return read_idx(labels_path, {.dtype = kInt64, .expected_ndim = 1});
  });
  ImageSet set;
  set.images = read_idx(images_path, {.dtype = kFloat32, .scale = 1.0 / 255, .expected_ndim = 3});
  set.labels = labels_future.get();
  check_split(images_path, labels_path, set.images.shape(), set.labels);
  const std::int64_t n = set.images.size(0);

  std::int64_t keep = n;
  if (options.limit >= 0 && options.limit < n) {
    keep = options.limit;
    // Copies so the full decode can be freed.
    set.images = set.images.narrow_rows(0, keep).clone();
    set.labels = set.labels.narrow_rows(0, keep).clone();
  }
  set.images =
      options.flatten ? set.images.reshape({keep, 28 * 28}) : set.images.reshape({keep, 1, 28, 28});
  return set;
}

std::shared_ptr<ByteDataset> load_fashion_mnist_bytes(Split split,
                                                      const FashionMnistOptions& options) {
  const std::string dir = fashion_mnist_dir(options.dir);
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::string images_path = require_file(dir, prefix + "-images-idx3-ubyte");
  const std::string labels_path = require_file(dir, prefix + "-labels-idx1-ubyte");
  auto labels_future = std::async(std::launch::async, [&] {
    return read_idx(labels_path, {.dtype = kInt64, .expected_ndim = 1});
  });
  IdxBytes images = read_idx_bytes(images_path, 3);
  Tensor labels = labels_future.get();
  check_split(images_path, labels_path, images.dims, labels);
  const std::int64_t n = images.dims[0];
  if (options.limit >= 0 && options.limit < n) {
    images.data.resize(static_cast<std::size_t>(options.limit * 28 * 28));
    images.data.shrink_to_fit();
    labels = labels.narrow_rows(0, options.limit).clone();
  }
  return std::make_shared<ByteDataset>(std::move(images.data),
                                       options.flatten ? Shape{28 * 28} : Shape{1, 28, 28},
                                       std::move(labels));
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> kNames = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                  "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                  "Bag",         "Ankle boot"};
  return kNames;
}

}  // namespace minidl::data
