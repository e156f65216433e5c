#include "data/dataset.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace minidl::data {
namespace {

Tensor index_tensor(std::span<const std::int64_t> indices) {
  Tensor t({static_cast<std::int64_t>(indices.size())}, kInt64);
  std::copy(indices.begin(), indices.end(), t.data<std::int64_t>());
  return t;
}

void check_indices(std::span<const std::int64_t> indices, std::int64_t size, const char* who) {
  for (std::size_t i = 0; i < indices.size(); ++i)
    MINIDL_CHECK(indices[i] >= 0 && indices[i] < size, who, ": index ", indices[i], " (position ",
                 i, " of the batch) out of range for ", size, " samples");
}

// ByteDataset::get_batch reads this many rows ahead (see there).
constexpr std::int64_t kPrefetchRows = 3;
constexpr std::int64_t kCacheLine = 64;

bool consecutive(std::span<const std::int64_t> indices) {
  for (std::size_t i = 1; i < indices.size(); ++i)
    if (indices[i] != indices[i - 1] + 1) return false;
  return true;
}

Indices sorted(Indices v) {
  std::sort(v.begin(), v.end());
  return v;
}

// 0..n-1 minus the sorted list `val`.
Indices complement(std::int64_t n, const Indices& val) {
  Indices out;
  out.reserve(static_cast<std::size_t>(n) - val.size());
  std::size_t j = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (j < val.size() && val[j] == i) {
      ++j;
      continue;
    }
    out.push_back(i);
  }
  return out;
}

Indices order(std::int64_t n, bool shuffle, std::uint64_t seed) {
  Generator gen(seed);
  return shuffle ? permutation(n, gen).values<std::int64_t>() : arange(n).values<std::int64_t>();
}

// Sample indices per class value, each in ascending order; classes in ascending order.
std::map<std::int64_t, Indices> group_by_class(const Tensor& labels, const char* who) {
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1, who,
               ": labels must be int64 [N], got ",
               labels.defined() ? dtype_name(labels.dtype()) : "undefined", " ",
               labels.defined() ? shape_str(labels.shape()) : "");
  std::map<std::int64_t, Indices> groups;
  const std::int64_t* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i) groups[y[i]].push_back(i);
  return groups;
}

std::int64_t val_count(std::int64_t n, double fraction, const char* who) {
  MINIDL_CHECK(fraction > 0.0 && fraction < 1.0, who, ": val_fraction must be in (0, 1), got ",
               fraction);
  const auto n_val = static_cast<std::int64_t>(std::llround(fraction * static_cast<double>(n)));
  MINIDL_CHECK(n_val >= 1 && n_val < n, who, ": val_fraction ", fraction, " of ", n,
               " samples gives ", n_val, " validation and ", n - n_val,
               " training samples; both must be non-empty");
  return n_val;
}

}  // namespace

TensorDataset::TensorDataset(Tensor x, Tensor y) : x_(std::move(x)), y_(std::move(y)) {
  MINIDL_CHECK(x_.defined() && x_.dim() >= 1, "TensorDataset: inputs must have rank >= 1");
  MINIDL_CHECK(!y_.defined() || (y_.dim() >= 1 && y_.size(0) == x_.size(0)),
               "TensorDataset: inputs ", shape_str(x_.shape()), " and targets ",
               y_.defined() ? shape_str(y_.shape()) : "", " differ in their number of samples");
}

Batch TensorDataset::get_batch(std::span<const std::int64_t> indices) const {
  check_indices(indices, size(), "TensorDataset");
  const auto n = static_cast<std::int64_t>(indices.size());
  Batch b;
  if (n == 0 || consecutive(indices)) {
    // A run of rows is a view: an unshuffled loader copies nothing.
    const std::int64_t start = n == 0 ? 0 : indices[0];
    b.inputs = x_.narrow_rows(start, n);
    if (y_.defined()) b.targets = y_.narrow_rows(start, n);
    return b;
  }
  const Tensor idx = index_tensor(indices);
  b.inputs = index_select(x_, 0, idx);
  if (y_.defined()) b.targets = index_select(y_, 0, idx);
  return b;
}

Tensor TensorDataset::labels() const {
  return y_.defined() && y_.dtype() == kInt64 && y_.dim() == 1 ? y_ : Tensor();
}

ByteDataset::ByteDataset(std::vector<std::uint8_t> data, Shape sample_shape, Tensor y, double scale)
    : data_(std::move(data)), sample_shape_(std::move(sample_shape)), y_(std::move(y)) {
  sample_size_ = shape_numel(sample_shape_);
  MINIDL_CHECK(sample_size_ > 0 && data_.size() % static_cast<std::size_t>(sample_size_) == 0,
               "ByteDataset: ", data_.size(), " bytes are not a whole number of samples of shape ",
               shape_str(sample_shape_));
  n_ = static_cast<std::int64_t>(data_.size()) / sample_size_;
  MINIDL_CHECK(!y_.defined() || (y_.dim() >= 1 && y_.size(0) == n_), "ByteDataset: ", n_,
               " samples but targets ", y_.defined() ? shape_str(y_.shape()) : "");
  // Rounded through double, exactly as read_idx converts (so the pixels match its float32 ones).
  for (int v = 0; v < 256; ++v) table_[v] = static_cast<float>(v * scale);
}

Batch ByteDataset::get_batch(std::span<const std::int64_t> indices) const {
  check_indices(indices, size(), "ByteDataset");
  const auto n = static_cast<std::int64_t>(indices.size());
  Shape shape = sample_shape_;
  shape.insert(shape.begin(), n);
  Batch b;
  b.inputs = Tensor(shape, kFloat32);
  float* out = b.inputs.data<float>();
  const std::uint8_t* src = data_.data();
  const std::int64_t d = sample_size_;
  // Each row is a gather of d bytes and a table lookup per byte: one pass, no float32 copy of the
  // dataset anywhere. Shuffled rows sit at random places in a dataset larger than the cache (47 MB
  // for Fashion-MNIST), and the hardware prefetcher only starts on a row once it is being read, so
  // the row kPrefetchRows ahead is requested while this one is decoded: measured 90 -> 45 us per
  // 128-row batch on one core. The table, not a vectorised convert, because GCC at -O2 does not
  // vectorise a u8 -> double -> float loop and the scalar convert was slower than the lookup.
  parallel_for(n, std::max<std::int64_t>(1, kGrainElementwise / d),
               [&](std::int64_t r0, std::int64_t r1) {
                 for (std::int64_t r = r0; r < r1; ++r) {
                   if (r + kPrefetchRows < r1) {
                     const std::uint8_t* ahead =
                         src + indices[static_cast<std::size_t>(r + kPrefetchRows)] * d;
                     for (std::int64_t j = 0; j < d; j += kCacheLine) __builtin_prefetch(ahead + j);
                   }
                   const std::uint8_t* row = src + indices[static_cast<std::size_t>(r)] * d;
                   float* o = out + r * d;
                   for (std::int64_t j = 0; j < d; ++j) o[j] = table_[row[j]];
                 }
               });
  if (y_.defined()) {
    b.targets = n > 0 && consecutive(indices) ? y_.narrow_rows(indices[0], n)
                                              : index_select(y_, 0, index_tensor(indices));
  }
  return b;
}

Tensor ByteDataset::labels() const {
  return y_.defined() && y_.dtype() == kInt64 && y_.dim() == 1 ? y_ : Tensor();
}

Subset::Subset(std::shared_ptr<const Dataset> base, Indices indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  MINIDL_CHECK(base_ != nullptr, "Subset: null base dataset");
  check_indices(indices_, base_->size(), "Subset");
}

Batch Subset::get_batch(std::span<const std::int64_t> indices) const {
  check_indices(indices, size(), "Subset");
  Indices mapped(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i)
    mapped[i] = indices_[static_cast<std::size_t>(indices[i])];
  return base_->get_batch(mapped);
}

Tensor Subset::labels() const {
  Tensor all = base_->labels();
  return all.defined() ? index_select(all, 0, index_tensor(indices_)) : Tensor();
}

SplitIndices train_val_split(std::int64_t n, const SplitOptions& options) {
  const std::int64_t n_val = val_count(n, options.val_fraction, "train_val_split");
  const Indices ord = order(n, options.shuffle, options.seed);
  SplitIndices s;
  // Unshuffled, the validation samples are the last ones (Keras' validation_split).
  const auto cut = static_cast<std::ptrdiff_t>(options.shuffle ? n_val : n - n_val);
  Indices first(ord.begin(), ord.begin() + cut), second(ord.begin() + cut, ord.end());
  s.val = sorted(options.shuffle ? first : second);
  s.train = sorted(options.shuffle ? second : first);
  return s;
}

SplitIndices stratified_split(const Tensor& labels, const SplitOptions& options) {
  const auto groups = group_by_class(labels, "stratified_split");
  const std::int64_t n = labels.numel();
  const std::int64_t n_val = val_count(n, options.val_fraction, "stratified_split");
  Generator gen(options.seed);
  // Largest remainder: each class gets floor(f * n_c), then the classes with the largest
  // fractional parts one more each until the total is n_val (ties broken at random).
  struct Quota {
    const Indices* members;
    std::int64_t take;
    double remainder;
    double tie;
  };
  std::vector<Quota> quotas;
  std::int64_t given = 0;
  for (const auto& [cls, members] : groups) {
    const double exact = options.val_fraction * static_cast<double>(members.size());
    const auto take = static_cast<std::int64_t>(std::floor(exact));
    quotas.push_back({&members, take, exact - static_cast<double>(take), gen.uniform()});
    given += take;
  }
  std::vector<std::size_t> by_remainder(quotas.size());
  for (std::size_t i = 0; i < quotas.size(); ++i) by_remainder[i] = i;
  std::sort(by_remainder.begin(), by_remainder.end(), [&](std::size_t a, std::size_t b) {
    if (quotas[a].remainder != quotas[b].remainder)
      return quotas[a].remainder > quotas[b].remainder;
    return quotas[a].tie < quotas[b].tie;
  });
  for (std::size_t i = 0; given < n_val && i < by_remainder.size(); ++i, ++given)
    ++quotas[by_remainder[i]].take;

  SplitIndices s;
  for (const Quota& q : quotas) {
    const Indices& m = *q.members;
    const Tensor perm = permutation(static_cast<std::int64_t>(m.size()), gen);
    const std::int64_t* p = perm.data<std::int64_t>();
    for (std::int64_t j = 0; j < q.take; ++j) s.val.push_back(m[static_cast<std::size_t>(p[j])]);
  }
  s.val = sorted(std::move(s.val));
  s.train = complement(n, s.val);
  return s;
}

std::vector<SplitIndices> kfold(std::int64_t n, std::int64_t k, const KFoldOptions& options) {
  MINIDL_CHECK(k >= 2 && k <= n, "kfold: k must be in [2, n] = [2, ", n, "], got ", k);
  const Indices ord = order(n, options.shuffle, options.seed);
  std::vector<SplitIndices> folds(static_cast<std::size_t>(k));
  std::int64_t start = 0;
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t len = n / k + (i < n % k ? 1 : 0);
    auto& f = folds[static_cast<std::size_t>(i)];
    f.val = sorted(Indices(ord.begin() + start, ord.begin() + start + len));
    f.train = complement(n, f.val);
    start += len;
  }
  return folds;
}

std::vector<SplitIndices> stratified_kfold(const Tensor& labels, std::int64_t k,
                                           const KFoldOptions& options) {
  const auto groups = group_by_class(labels, "stratified_kfold");
  const std::int64_t n = labels.numel();
  MINIDL_CHECK(k >= 2 && k <= n, "stratified_kfold: k must be in [2, n] = [2, ", n, "], got ", k);
  Generator gen(options.seed);
  std::vector<SplitIndices> folds(static_cast<std::size_t>(k));
  // Dealing continues where the previous class stopped, so fold sizes stay within one.
  std::int64_t next = 0;
  for (const auto& [cls, members] : groups) {
    const auto m = static_cast<std::int64_t>(members.size());
    const Indices ord = options.shuffle ? permutation(m, gen).values<std::int64_t>()
                                        : arange(m).values<std::int64_t>();
    for (std::int64_t j = 0; j < m; ++j) {
      folds[static_cast<std::size_t>(next)].val.push_back(
          members[static_cast<std::size_t>(ord[static_cast<std::size_t>(j)])]);
      next = (next + 1) % k;
    }
  }
  for (auto& f : folds) {
    f.val = sorted(std::move(f.val));
    f.train = complement(n, f.val);
  }
  return folds;
}

std::pair<std::shared_ptr<Subset>, std::shared_ptr<Subset>> split_dataset(
    const std::shared_ptr<const Dataset>& base, const SplitIndices& split) {
  return {std::make_shared<Subset>(base, split.train), std::make_shared<Subset>(base, split.val)};
}

}  // namespace minidl::data
