// Tests for data/dataset.cpp: TensorDataset and Subset batches, and the seeded splits (sizes,
// disjointness, stratification proportions, k-fold coverage, reproducibility).
#include "data/dataset.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "tensor/ops.h"

using namespace minidl;
using namespace minidl::data;

namespace {

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no minidl::Error thrown)";
}

// Labels with the given number of samples per class, interleaved (class of sample i cycles).
Tensor make_labels(const std::vector<std::int64_t>& counts) {
  std::vector<std::int64_t> y;
  std::vector<std::int64_t> left = counts;
  for (bool any = true; any;) {
    any = false;
    for (std::size_t c = 0; c < left.size(); ++c)
      if (left[c] > 0) {
        y.push_back(static_cast<std::int64_t>(c));
        --left[c];
        any = true;
      }
  }
  return from_vector(y);
}

std::map<std::int64_t, std::int64_t> class_counts(const Tensor& labels, const Indices& idx) {
  std::map<std::int64_t, std::int64_t> m;
  for (std::int64_t i : idx) ++m[static_cast<std::int64_t>(labels.at(i))];
  return m;
}

// train and val are sorted, disjoint and together exactly 0..n-1.
void check_partition(const SplitIndices& s, std::int64_t n) {
  CHECK(std::is_sorted(s.train.begin(), s.train.end()));
  CHECK(std::is_sorted(s.val.begin(), s.val.end()));
  Indices all = s.train;
  all.insert(all.end(), s.val.begin(), s.val.end());
  std::sort(all.begin(), all.end());
  Indices expect(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) expect[static_cast<std::size_t>(i)] = i;
  CHECK(all == expect);
}

}  // namespace

TEST_CASE("dataset: TensorDataset batches are views for runs and gathers otherwise") {
  const Tensor x = arange(0, 20, 1, kFloat32).reshape({10, 2});
  const Tensor y = arange(10);
  TensorDataset ds(x, y);
  CHECK(ds.size() == 10);
  const Indices run = {3, 4, 5};
  const Batch a = ds.get_batch(run);
  CHECK(a.inputs.shares_storage(x));
  CHECK(a.inputs.to_vector() == std::vector<double>{6, 7, 8, 9, 10, 11});
  CHECK(a.targets.values<std::int64_t>() == std::vector<std::int64_t>{3, 4, 5});
  const Indices mixed = {7, 0, 7};
  const Batch b = ds.get_batch(mixed);
  CHECK(!b.inputs.shares_storage(x));
  CHECK(b.inputs.to_vector() == std::vector<double>{14, 15, 0, 1, 14, 15});
  CHECK(b.targets.values<std::int64_t>() == std::vector<std::int64_t>{7, 0, 7});
  CHECK(ds.get_batch(Indices{}).inputs.shape() == Shape{0, 2});
  CHECK(ds.labels().values<std::int64_t>() == y.values<std::int64_t>());
  CHECK(!TensorDataset(x).labels().defined());
  CHECK(!TensorDataset(x, arange(0, 10, 1, kFloat32)).labels().defined());

  const Indices bad = {1, 10};
  CHECK(error_of([&] { ds.get_batch(bad); }) ==
        "TensorDataset: index 10 (position 1 of the batch) out of range for 10 samples");
  CHECK(error_of([&] { TensorDataset(x, arange(9)); }) ==
        "TensorDataset: inputs [10,2] and targets [9] differ in their number of samples");
}

TEST_CASE("dataset: ByteDataset decodes its bytes per batch") {
  std::vector<std::uint8_t> bytes(12);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(20 * i);
  ByteDataset ds(bytes, {2, 2}, arange(3), 0.5);
  CHECK(ds.size() == 3);
  const Batch b = ds.get_batch(Indices{2, 0});
  CHECK(b.inputs.shape() == Shape{2, 2, 2});
  CHECK(b.inputs.dtype() == kFloat32);
  CHECK(b.inputs.to_vector() == std::vector<double>{80, 90, 100, 110, 0, 10, 20, 30});
  CHECK(b.targets.values<std::int64_t>() == std::vector<std::int64_t>{2, 0});
  CHECK(ds.get_batch(Indices{1, 2}).targets.values<std::int64_t>() ==
        std::vector<std::int64_t>{1, 2});
  CHECK(ds.get_batch(Indices{}).inputs.shape() == Shape{0, 2, 2});
  CHECK(ds.labels().values<std::int64_t>() == std::vector<std::int64_t>{0, 1, 2});
  CHECK(!ByteDataset(bytes, {4}).labels().defined());
  CHECK(error_of([&] { ds.get_batch(Indices{3}); }) ==
        "ByteDataset: index 3 (position 0 of the batch) out of range for 3 samples");
  CHECK(error_of([&] { ByteDataset(bytes, {5}); }) ==
        "ByteDataset: 12 bytes are not a whole number of samples of shape [5]");
  CHECK(error_of([&] { ByteDataset(bytes, {4}, arange(4)); }) ==
        "ByteDataset: 3 samples but targets [4]");
}

TEST_CASE("dataset: ByteDataset decodes long shuffled batches row by row (the prefetching path)") {
  // Rows of 130 bytes (three cache lines, the last partial) in a scattered order with repeats:
  // the decode reads rows ahead of the one it writes, which must change nothing.
  const std::int64_t n = 300, d = 130;
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(n * d));
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(i * 7 % 251);
  ByteDataset ds(bytes, {d}, Tensor(), 1.0 / 255.0);
  Indices idx;
  for (std::int64_t i = 0; i < 200; ++i) idx.push_back(i * 37 % n);
  idx.push_back(5);
  idx.push_back(5);
  idx.push_back(n - 1);
  const Batch b = ds.get_batch(idx);
  REQUIRE(b.inputs.shape() == Shape{static_cast<std::int64_t>(idx.size()), d});
  const float* got = b.inputs.data<float>();
  bool all_equal = true;
  for (std::size_t r = 0; r < idx.size(); ++r)
    for (std::int64_t j = 0; j < d; ++j) {
      const std::uint8_t v = bytes[static_cast<std::size_t>(idx[r] * d + j)];
      all_equal = all_equal && got[static_cast<std::int64_t>(r) * d + j] ==
                                   static_cast<float>(v * (1.0 / 255.0));
    }
  CHECK(all_equal);
}

TEST_CASE("dataset: Subset maps indices and labels through its base") {
  auto base =
      std::make_shared<TensorDataset>(arange(0, 6, 1, kFloat64).reshape({6, 1}),
                                      from_vector(std::vector<std::int64_t>{0, 1, 2, 0, 1, 2}));
  Subset sub(base, {5, 1, 1});
  CHECK(sub.size() == 3);
  const Indices idx = {0, 2};
  const Batch b = sub.get_batch(idx);
  CHECK(b.inputs.to_vector() == std::vector<double>{5, 1});
  CHECK(sub.labels().values<std::int64_t>() == std::vector<std::int64_t>{2, 1, 1});
  CHECK(error_of([&] { Subset(base, {6}); }).find("Subset: index 6") != std::string::npos);
  const auto [tr, va] = split_dataset(base, train_val_split(6, {.val_fraction = 0.5, .seed = 3}));
  CHECK(tr->size() + va->size() == 6);
}

TEST_CASE("dataset: train_val_split sizes, disjointness and seeding") {
  const SplitIndices s = train_val_split(103, {.val_fraction = 0.2, .seed = 5});
  CHECK(s.val.size() == 21);  // round(20.6)
  CHECK(s.train.size() == 82);
  check_partition(s, 103);
  CHECK(train_val_split(103, {.val_fraction = 0.2, .seed = 5}).val == s.val);
  CHECK(train_val_split(103, {.val_fraction = 0.2, .seed = 6}).val != s.val);
  // Unshuffled: the last samples, as Keras' validation_split.
  const SplitIndices k = train_val_split(10, {.val_fraction = 0.3, .shuffle = false});
  CHECK(k.val == Indices{7, 8, 9});
  CHECK(error_of([] { train_val_split(10, {.val_fraction = 1.0}); }) ==
        "train_val_split: val_fraction must be in (0, 1), got 1");
  CHECK(error_of([] {
          train_val_split(3, {.val_fraction = 0.1});
        }).find("gives 0 validation and 3 training samples") != std::string::npos);
}

TEST_CASE("dataset: stratified_split keeps each class's proportion") {
  const Tensor labels = make_labels({500, 300, 200});
  const SplitIndices s = stratified_split(labels, {.val_fraction = 0.2, .seed = 1});
  check_partition(s, 1000);
  const auto val = class_counts(labels, s.val);
  CHECK(val.at(0) == 100);
  CHECK(val.at(1) == 60);
  CHECK(val.at(2) == 40);
  // Remainders: 7, 5 and 3 samples at one half: 8 go to validation in total, and each class gets
  // floor or ceil of its half.
  const Tensor odd = make_labels({7, 5, 3});
  for (std::uint64_t seed = 0; seed < 5; ++seed) {
    const SplitIndices o = stratified_split(odd, {.val_fraction = 0.5, .seed = seed});
    check_partition(o, 15);
    CHECK(o.val.size() == 8);
    const auto c = class_counts(odd, o.val);
    const std::vector<double> n = {7, 5, 3};
    for (std::int64_t k = 0; k < 3; ++k) CHECK(std::abs(c.at(k) - 0.5 * n[k]) < 1.0);
  }
  CHECK(stratified_split(labels, {.seed = 1}).val == stratified_split(labels, {.seed = 1}).val);
  CHECK(stratified_split(labels, {.seed = 1}).val != stratified_split(labels, {.seed = 2}).val);
  CHECK(error_of([] {
          stratified_split(arange(0, 4, 1, kFloat32));
        }).find("labels must be int64 [N], got float32") != std::string::npos);
}

TEST_CASE("dataset: kfold covers every index once as validation") {
  for (bool shuffle : {false, true}) {
    CAPTURE(shuffle);
    const auto folds = kfold(10, 3, {.shuffle = shuffle, .seed = 4});
    REQUIRE(folds.size() == 3);
    CHECK(folds[0].val.size() == 4);
    CHECK(folds[1].val.size() == 3);
    CHECK(folds[2].val.size() == 3);
    std::multiset<std::int64_t> seen;
    for (const auto& f : folds) {
      check_partition(f, 10);
      seen.insert(f.val.begin(), f.val.end());
    }
    CHECK(seen.size() == 10);
    for (std::int64_t i = 0; i < 10; ++i) CHECK(seen.count(i) == 1);
  }
  CHECK(kfold(10, 3)[0].val == Indices{0, 1, 2, 3});
  CHECK(kfold(10, 3, {.shuffle = true, .seed = 4})[0].val !=
        kfold(10, 3, {.shuffle = true, .seed = 5})[0].val);
  CHECK(error_of([] { kfold(3, 4); }) == "kfold: k must be in [2, n] = [2, 3], got 4");
}

TEST_CASE("dataset: stratified_kfold balances classes and sizes across folds") {
  const Tensor labels = make_labels({23, 11, 6});
  for (bool shuffle : {false, true}) {
    CAPTURE(shuffle);
    const auto folds = stratified_kfold(labels, 4, {.shuffle = shuffle, .seed = 9});
    std::multiset<std::int64_t> seen;
    for (const auto& f : folds) {
      check_partition(f, 40);
      seen.insert(f.val.begin(), f.val.end());
      CHECK(f.val.size() == 10);
      const auto c = class_counts(labels, f.val);
      const std::vector<double> n = {23, 11, 6};
      for (std::int64_t k = 0; k < 3; ++k) CHECK(std::abs(c.at(k) - n[k] / 4.0) < 1.0);
    }
    for (std::int64_t i = 0; i < 40; ++i) CHECK(seen.count(i) == 1);
  }
}
