#include "train/fashion_classifier.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>

#include "data/fashion_mnist.h"
#include "nn/safetensors.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "tests/test_util.h"
#include "train/train_test_util.h"

namespace minidl::train {
namespace {

TEST_CASE("class_histogram: fractions, classes present and the entropy in nats") {
  const ClassHistogram u = class_histogram(arange(10), 10);
  CHECK(u.classes_present == 10);
  CHECK(u.entropy == doctest::Approx(std::log(10.0)));
  CHECK(u.fractions[3] == doctest::Approx(0.1));
  const ClassHistogram one = class_histogram(from_vector(std::vector<std::int64_t>{4, 4, 4}), 10);
  CHECK(one.classes_present == 1);
  CHECK(one.entropy == 0.0);
  CHECK_FALSE(std::signbit(one.entropy));  // printed as 0.000, not -0.000
  CHECK(class_histogram(zeros({500}, kInt64), 10).fractions[0] == 1.0);
  CHECK(one.fractions[4] == doctest::Approx(1.0));
  // 3/4 and 1/4: -(0.75 ln 0.75 + 0.25 ln 0.25) = 0.5623351446
  const ClassHistogram two =
      class_histogram(from_vector(std::vector<std::int64_t>{0, 0, 0, 9}), 10);
  CHECK(two.entropy == doctest::Approx(0.5623351446188083).epsilon(1e-12));
  CHECK(two.classes_present == 2);
  CHECK_THROWS_WITH_AS(class_histogram(from_vector(std::vector<std::int64_t>{0, 10}), 10),
                       doctest::Contains("class_histogram: label 10 at 1 is outside [0, 10)"),
                       Error);
  CHECK_THROWS_WITH_AS(class_histogram(zeros({3}), 10),
                       doctest::Contains("labels must be non-empty int64"), Error);
}

TEST_CASE(
    "fashion classifier: features [N, 128] and logits [N, 10], cached and reloaded bit for bit") {
  if (!data::fashion_mnist_available()) {
    MESSAGE("Fashion-MNIST not installed: skipped");
    return;
  }
  test_support::TempDir dir;
  const FashionClassifierOptions o{.cache_path = dir.file("cnn.safetensors"),
                                   .epochs = 1,
                                   .train_limit = 640,
                                   .test_limit = 500,
                                   .seed = 3};
  const FashionClassifier a = load_or_train_fashion_classifier(o);
  REQUIRE(std::filesystem::exists(o.cache_path));
  CHECK(a.test_accuracy() > 0.4);  // chance is 0.1; 5 batches of 128 get well above it
  const data::ImageSet test = data::load_fashion_mnist(data::Split::kTest, {.limit = 600});
  Tensor f, l;
  a.features_and_logits(test.images, f, l);
  CHECK(f.shape() == Shape{600, 128});
  CHECK(l.shape() == Shape{600, 10});
  CHECK(amin(f).item() >= 0.0);  // after the ReLU
  // Batches of 500 give the values of one image at a time (eval mode: no batch statistics; the
  // bits may differ, BLAS takes another path for one row).
  CHECK_TENSOR_CLOSE(a.logits(test.images.narrow_rows(550, 1)), l.narrow_rows(550, 1), 1e-4, 1e-4);
  // The second call loads the cache: same weights, same features; the file is not rewritten.
  const auto written = std::filesystem::last_write_time(o.cache_path);
  const FashionClassifier b = load_or_train_fashion_classifier(o);
  CHECK(std::filesystem::last_write_time(o.cache_path) == written);
  CHECK(testing::bitwise_equal(b.features(test.images), f));
  CHECK(b.test_accuracy() == a.test_accuracy());
  CHECK_THROWS_WITH_AS(a.features(zeros({2, 784})),
                       doctest::Contains("fashion classifier: images must be [N, 1, 28, 28]"),
                       Error);
  nn::save_safetensors(dir.file("other.safetensors"), {{"w", zeros({2})}});
  CHECK_THROWS_WITH_AS(load_fashion_classifier(dir.file("other.safetensors")),
                       doctest::Contains("is not a minidl Fashion-MNIST classifier"), Error);
}

}  // namespace
}  // namespace minidl::train
