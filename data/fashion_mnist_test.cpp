// Tests for data/fashion_mnist.cpp: the real files from Debian's dataset-fashion-mnist when
// installed (skipped with a message otherwise), and the folder/env/count checks on small files
// the test writes itself.
#include "data/fashion_mnist.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "data/idx.h"
#include "tensor/ops.h"

using namespace minidl;
using namespace minidl::data;

namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("minidl_fmnist_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no minidl::Error thrown)";
}

// Sets an environment variable for one scope, restoring the previous value.
struct EnvVar {
  std::string name;
  std::string old;
  bool had;
  EnvVar(const std::string& n, const std::string& value) : name(n) {
    const char* o = std::getenv(n.c_str());
    had = o != nullptr;
    if (had) old = o;
    ::setenv(n.c_str(), value.c_str(), 1);
  }
  ~EnvVar() {
    if (had)
      ::setenv(name.c_str(), old.c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

// A tiny fake of the four files: n images (pixel value = image index) and m labels.
void write_fake(const TempDir& dir, std::int64_t n, std::int64_t m) {
  Tensor images = arange(0, static_cast<double>(n), 1, kFloat64).reshape({n, 1, 1});
  images = mul(ones({n, 28, 28}, kFloat64), images);
  const Tensor labels = from_vector(std::vector<double>(static_cast<std::size_t>(m), 3.0));
  for (const char* split : {"train", "t10k"}) {
    write_idx(dir.file(std::string(split) + "-images-idx3-ubyte.gz"), images, {.gzip = true});
    write_idx(dir.file(std::string(split) + "-labels-idx1-ubyte"), labels);  // unpacked copy
  }
}

}  // namespace

TEST_CASE("fashion_mnist: the real training and test sets (when installed)") {
  if (!fashion_mnist_available()) {
    MESSAGE("Fashion-MNIST not found in ", fashion_mnist_dir(),
            ": skipped (install dataset-fashion-mnist)");
    return;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const ImageSet train = load_fashion_mnist(Split::kTrain);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("load_fashion_mnist(train): ", seconds, " s");
  CHECK(train.images.shape() == Shape{60000, 1, 28, 28});
  CHECK(train.images.dtype() == kFloat32);
  CHECK(train.labels.shape() == Shape{60000});
  CHECK(train.labels.dtype() == kInt64);
  CHECK(amin(train.images).item() == 0.0);
  CHECK(amax(train.images).item() == 1.0);
  // The first training image is an ankle boot (9), the second a T-shirt/top (0).
  CHECK(train.labels.at(0) == 9);
  CHECK(train.labels.at(1) == 0);
  // Fashion-MNIST is balanced: 6000 training images per class.
  const Tensor counts = sum(one_hot(train.labels, 10), {0});
  CHECK(counts.to_vector() == std::vector<double>(10, 6000.0));

  const ImageSet test = load_fashion_mnist(Split::kTest, {.flatten = true});
  CHECK(test.images.shape() == Shape{10000, 784});
  CHECK(test.labels.shape() == Shape{10000});
  CHECK(test.labels.at(0) == 9);
  CHECK(test.labels.at(1) == 2);
  CHECK(amin(test.labels).item() == 0);
  CHECK(amax(test.labels).item() == 9);
  CHECK(fashion_mnist_classes()[9] == "Ankle boot");
}

TEST_CASE("fashion_mnist: a folder from the option or the environment, limit and flatten") {
  TempDir dir;
  write_fake(dir, 5, 5);
  const ImageSet a = load_fashion_mnist(Split::kTrain, {.dir = dir.path.string(), .limit = 3});
  CHECK(a.images.shape() == Shape{3, 1, 28, 28});
  CHECK(a.labels.values<std::int64_t>() == std::vector<std::int64_t>{3, 3, 3});
  CHECK(a.images.at(2 * 784 + 100) == doctest::Approx(2.0 / 255));
  EnvVar env("MINIDL_FASHION_MNIST_DIR", dir.path.string());
  CHECK(fashion_mnist_dir() == dir.path.string());
  CHECK(fashion_mnist_available());
  const ImageSet b = load_fashion_mnist(Split::kTest, {.flatten = true});
  CHECK(b.images.shape() == Shape{5, 784});
}

TEST_CASE("fashion_mnist: load_fashion_mnist_bytes batches equal the float32 loader's") {
  // The same pixels, bit for bit, and labels, from a ByteDataset: shuffled and consecutive
  // batches, limit and flatten, on the fake files and (when installed) on the real test set.
  auto same = [](const std::shared_ptr<ByteDataset>& bytes, const ImageSet& floats,
                 const Indices& idx) {
    const Batch b = bytes->get_batch(idx);
    const Tensor want = index_select(floats.images, 0, from_vector(idx));
    CHECK(b.inputs.dtype() == kFloat32);
    CHECK(b.inputs.shape() == want.shape());
    CHECK(b.inputs.values<float>() == want.values<float>());
    CHECK(b.targets.values<std::int64_t>() ==
          index_select(floats.labels, 0, from_vector(idx)).values<std::int64_t>());
  };
  TempDir dir;
  write_fake(dir, 5, 5);
  const FashionMnistOptions o{.dir = dir.path.string(), .flatten = true, .limit = 4};
  const auto bytes = load_fashion_mnist_bytes(Split::kTrain, o);
  CHECK(bytes->size() == 4);
  CHECK(bytes->sample_shape() == Shape{784});
  CHECK(bytes->labels().values<std::int64_t>() == std::vector<std::int64_t>{3, 3, 3, 3});
  same(bytes, load_fashion_mnist(Split::kTrain, o), {3, 0, 2});
  same(bytes, load_fashion_mnist(Split::kTrain, o), {1, 2});
  CHECK_THROWS_WITH_AS(bytes->get_batch(Indices{4}), doctest::Contains("out of range for 4"),
                       Error);
  write_fake(dir, 5, 4);
  CHECK_THROWS_WITH_AS(load_fashion_mnist_bytes(Split::kTrain, {.dir = dir.path.string()}),
                       doctest::Contains("has 4 labels"), Error);
  if (fashion_mnist_available()) {
    const auto test = load_fashion_mnist_bytes(Split::kTest);
    CHECK(test->size() == 10000);
    same(test, load_fashion_mnist(Split::kTest), {9999, 0, 1234, 5, 5, 777});
  }
}

TEST_CASE("fashion_mnist: a missing folder names the package; mismatched counts are errors") {
  const std::string msg =
      error_of([] { load_fashion_mnist(Split::kTrain, {.dir = "/nonexistent/fmnist"}); });
  CHECK(msg.find("/nonexistent/fmnist does not exist") != std::string::npos);
  CHECK(msg.find("dataset-fashion-mnist") != std::string::npos);
  CHECK(!fashion_mnist_available("/nonexistent/fmnist"));

  TempDir dir;
  write_fake(dir, 5, 4);
  const std::string count =
      error_of([&] { load_fashion_mnist(Split::kTrain, {.dir = dir.path.string()}); });
  INFO(count);
  CHECK(count.find("has 5 images but") != std::string::npos);
  CHECK(count.find("has 4 labels") != std::string::npos);

  TempDir empty;
  const std::string missing =
      error_of([&] { load_fashion_mnist(Split::kTest, {.dir = empty.path.string()}); });
  INFO(missing);
  CHECK(missing.find("t10k-images-idx3-ubyte[.gz] not found") != std::string::npos);
}
