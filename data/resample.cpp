#include "data/resample.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "tensor/error.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::data {
namespace {

// Positions of each label value, classes in ascending order, positions ascending.
std::map<std::int64_t, Indices> group_by_class(const Tensor& labels, const char* op) {
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1, op,
               ": labels must be int64 [N], got ",
               labels.defined() ? dtype_name(labels.dtype()) : "undefined", " ",
               labels.defined() ? shape_str(labels.shape()) : "");
  MINIDL_CHECK(labels.numel() > 0, op, ": no samples (labels is empty)");
  std::map<std::int64_t, Indices> groups;
  const std::int64_t* y = labels.data<std::int64_t>();
  for (std::int64_t i = 0; i < labels.numel(); ++i) groups[y[i]].push_back(i);
  return groups;
}

// `count` positions of `members` drawn without replacement (all of them when count >= size).
void draw_without_replacement(const Indices& members, std::int64_t count, Generator& gen,
                              Indices& out) {
  const auto n = static_cast<std::int64_t>(members.size());
  if (count >= n) {
    out.insert(out.end(), members.begin(), members.end());
    return;
  }
  const Tensor perm = permutation(n, gen);
  const std::int64_t* p = perm.data<std::int64_t>();
  for (std::int64_t i = 0; i < count; ++i) out.push_back(members[static_cast<std::size_t>(p[i])]);
}

}  // namespace

Indices random_oversample(const Tensor& labels, const ResampleOptions& options) {
  const auto groups = group_by_class(labels, "random_oversample");
  std::size_t largest = 0;
  for (const auto& [c, members] : groups) largest = std::max(largest, members.size());
  Generator gen(options.seed);
  Indices out(static_cast<std::size_t>(labels.numel()));
  for (std::int64_t i = 0; i < labels.numel(); ++i) out[static_cast<std::size_t>(i)] = i;
  for (const auto& [c, members] : groups) {
    const auto extra = static_cast<std::int64_t>(largest - members.size());
    if (extra == 0) continue;
    const Tensor draws =
        randint(0, static_cast<std::int64_t>(members.size()), {extra}, gen, kInt64);
    for (std::int64_t d : draws.values<std::int64_t>())
      out.push_back(members[static_cast<std::size_t>(d)]);
  }
  return out;
}

Indices random_undersample(const Tensor& labels, const ResampleOptions& options) {
  const auto groups = group_by_class(labels, "random_undersample");
  std::size_t smallest = std::numeric_limits<std::size_t>::max();
  for (const auto& [c, members] : groups) smallest = std::min(smallest, members.size());
  Generator gen(options.seed);
  Indices out;
  for (const auto& [c, members] : groups)
    draw_without_replacement(members, static_cast<std::int64_t>(smallest), gen, out);
  std::sort(out.begin(), out.end());
  return out;
}

Indices make_imbalance(const Tensor& labels, const std::map<std::int64_t, std::int64_t>& counts,
                       const ResampleOptions& options) {
  const auto groups = group_by_class(labels, "make_imbalance");
  for (const auto& [c, count] : counts) {
    MINIDL_CHECK(count >= 0, "make_imbalance: count of class ", c, " must be >= 0, got ", count);
    MINIDL_CHECK(groups.count(c) == 1, "make_imbalance: class ", c, " has no samples");
  }
  Generator gen(options.seed);
  Indices out;
  for (const auto& [c, members] : groups) {
    auto it = counts.find(c);
    if (it == counts.end()) {
      out.insert(out.end(), members.begin(), members.end());
    } else {
      draw_without_replacement(members, it->second, gen, out);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// ---------------------------------------------------------------- samplers

WeightedRandomSampler::WeightedRandomSampler(std::vector<double> weights,
                                             const WeightedSamplerOptions& options)
    : weights_(std::move(weights)), options_(options) {
  constexpr const char* kOp = "WeightedRandomSampler";
  MINIDL_CHECK(!weights_.empty(), kOp, ": no weights");
  std::int64_t positive = 0;
  double total = 0;
  cumulative_.reserve(weights_.size());
  for (std::size_t i = 0; i < weights_.size(); ++i) {
    MINIDL_CHECK(weights_[i] >= 0 && std::isfinite(weights_[i]), kOp, ": weight ", i, " is ",
                 weights_[i], "; weights must be finite and >= 0");
    positive += weights_[i] > 0;
    total += weights_[i];
    cumulative_.push_back(total);
  }
  MINIDL_CHECK(positive > 0, kOp, ": every weight is 0");
  num_samples_ =
      options.num_samples < 0 ? static_cast<std::int64_t>(weights_.size()) : options.num_samples;
  MINIDL_CHECK(options.replacement || num_samples_ <= positive, kOp, ": cannot draw ", num_samples_,
               " samples without replacement from ", positive, " with a positive weight");
}

Indices WeightedRandomSampler::indices(std::int64_t epoch) const {
  Generator gen = epoch_generator(options_.seed, epoch);
  const Tensor u =
      rand({options_.replacement ? num_samples_ : std::int64_t(weights_.size())}, gen, kFloat64);
  const double* up = u.data<double>();
  Indices out(static_cast<std::size_t>(num_samples_));
  if (options_.replacement) {
    // Inverse CDF: the first index whose running sum exceeds u * total (never a 0 weight).
    const double total = cumulative_.back();
    for (std::int64_t s = 0; s < num_samples_; ++s) {
      auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), up[s] * total);
      if (it == cumulative_.end()) --it;  // rounding at the very top
      while (weights_[static_cast<std::size_t>(it - cumulative_.begin())] == 0) --it;
      out[static_cast<std::size_t>(s)] = it - cumulative_.begin();
    }
    return out;
  }
  // Without replacement: key_i = log(u_i) / w_i (the log of u^(1/w)); the largest keys, in
  // decreasing order, are a sequential weighted draw without putting back. Ties go to the lower
  // index; 0 weights never qualify (there are enough positive ones, checked above).
  const auto n = static_cast<std::int64_t>(weights_.size());
  std::vector<std::pair<double, std::int64_t>> keys;
  keys.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const double w = weights_[static_cast<std::size_t>(i)];
    if (w == 0) continue;
    const double key = up[i] > 0 ? std::log(up[i]) / w : std::numeric_limits<double>::lowest();
    keys.emplace_back(key, i);
  }
  std::partial_sort(keys.begin(), keys.begin() + num_samples_, keys.end(),
                    [](const auto& a, const auto& b) {
                      return a.first != b.first ? a.first > b.first : a.second < b.second;
                    });
  for (std::int64_t s = 0; s < num_samples_; ++s)
    out[static_cast<std::size_t>(s)] = keys[static_cast<std::size_t>(s)].second;
  return out;
}

namespace {
std::vector<double> inverse_class_size(const Tensor& labels) {
  const auto groups = group_by_class(labels, "ClassBalancedSampler");
  std::vector<double> w(static_cast<std::size_t>(labels.numel()));
  for (const auto& [c, members] : groups)
    for (std::int64_t i : members)
      w[static_cast<std::size_t>(i)] = 1.0 / static_cast<double>(members.size());
  return w;
}
}  // namespace

ClassBalancedSampler::ClassBalancedSampler(const Tensor& labels,
                                           const WeightedSamplerOptions& options)
    : WeightedRandomSampler(inverse_class_size(labels), options) {}

// ---------------------------------------------------------------- SMOTE

Tensor nearest_neighbors(const Tensor& x, std::int64_t k, const Indices& rows) {
  // The exact index (GEMM tiles with a fused top-k, index/exact.h) on squared distances.
  index::IndexSpec exact;
  exact.kind = "exact";
  exact.metric = index::Metric::kSquaredL2;
  return nearest_neighbors(x, k, exact, rows);
}

Tensor nearest_neighbors(const Tensor& x, std::int64_t k, const index::IndexSpec& spec,
                         const Indices& rows) {
  constexpr const char* kOp = "nearest_neighbors";
  MINIDL_CHECK(x.defined() && x.dim() == 2 && x.dtype() != kInt64, kOp,
               ": x must be float [n, D], got ",
               x.defined() ? dtype_name(x.dtype()) + std::string(" ") + shape_str(x.shape())
                           : std::string("undefined"));
  const std::int64_t n = x.size(0);
  MINIDL_CHECK(k > 0 && k < n, kOp, ": k = ", k, " needs 0 < k < n = ", n,
               " (a row is not its own neighbour)");
  Indices query = rows;
  if (query.empty())
    for (std::int64_t i = 0; i < n; ++i) query.push_back(i);
  for (std::int64_t q : query)
    MINIDL_CHECK(q >= 0 && q < n, kOp, ": row ", q, " is out of range [0, ", n, ")");
  const auto idx = index::create_index(spec, x.size(1));
  idx->add(x);  // ids are the row numbers
  const index::SearchResult r = idx->search(index_select(x, 0, from_vector(query)), k + 1);
  const auto m = static_cast<std::int64_t>(query.size());
  Tensor out = empty({m, k}, kInt64);
  std::int64_t* o = out.data<std::int64_t>();
  const std::int64_t* found = r.indices.data<std::int64_t>();
  for (std::int64_t i = 0; i < m; ++i) {
    std::int64_t c = 0;
    for (std::int64_t j = 0; j <= k && c < k; ++j) {
      const std::int64_t id = found[i * (k + 1) + j];
      if (id >= 0 && id != query[static_cast<std::size_t>(i)]) o[i * k + c++] = id;
    }
    MINIDL_CHECK(c == k, kOp, ": the ", idx->kind(), " index found only ", c, " neighbours of row ",
                 query[static_cast<std::size_t>(i)], " besides itself, k = ", k);
  }
  return out;
}

Resampled smote(const Tensor& x, const Tensor& labels, const SmoteOptions& options) {
  constexpr const char* kOp = "smote";
  MINIDL_CHECK(x.defined() && x.dim() == 2 && x.dtype() != kInt64, kOp,
               ": x must be float32 or float64 [N, D], got ",
               x.defined() ? dtype_name(x.dtype()) + std::string(" ") + shape_str(x.shape())
                           : std::string("undefined"));
  const auto groups = group_by_class(labels, kOp);
  MINIDL_CHECK(labels.numel() == x.size(0), kOp, ": x has ", x.size(0), " rows, labels ",
               labels.numel());
  MINIDL_CHECK(options.k_neighbors > 0, kOp, ": k_neighbors must be > 0, got ",
               options.k_neighbors);
  std::int64_t target = options.target_count;
  if (target < 0)
    for (const auto& [c, members] : groups)
      target = std::max(target, static_cast<std::int64_t>(members.size()));
  const std::int64_t k = options.k_neighbors, d = x.size(1);

  Generator gen(options.seed);
  std::vector<Tensor> parts{x};
  std::vector<Tensor> label_parts{labels};
  std::int64_t synthetic = 0;
  for (const auto& [c, members] : groups) {
    const auto n_c = static_cast<std::int64_t>(members.size());
    const std::int64_t m = target - n_c;
    if (m <= 0) continue;
    MINIDL_CHECK(n_c > k, kOp, ": class ", c, " has ", n_c, " samples; k_neighbors = ", k,
                 " needs at least ", k + 1);
    const Tensor xc = index_select(x, 0, from_vector(members)).to(kFloat64);
    const Tensor pick = rand({m}, gen, kFloat64), gap = rand({m}, gen, kFloat64);
    // A uniform pair (sample i, one of its k neighbours), as imbalanced-learn draws it; the
    // neighbours are then searched for the distinct drawn samples only.
    std::vector<std::int64_t> pair(static_cast<std::size_t>(m));
    std::vector<std::int64_t> slot(static_cast<std::size_t>(n_c), -1);
    Indices drawn;
    for (std::int64_t s = 0; s < m; ++s) {
      const std::int64_t r =
          std::min(n_c * k - 1, static_cast<std::int64_t>(pick.data<double>()[s] * n_c * k));
      pair[static_cast<std::size_t>(s)] = r;
      std::int64_t& at = slot[static_cast<std::size_t>(r / k)];
      if (at < 0) {
        at = static_cast<std::int64_t>(drawn.size());
        drawn.push_back(r / k);
      }
    }
    const Tensor nn = options.index ? nearest_neighbors(xc, k, *options.index, drawn)
                                    : nearest_neighbors(xc, k, drawn);
    const double* src = xc.data<double>();
    const std::int64_t* nb = nn.data<std::int64_t>();
    Tensor fresh = empty({m, d}, kFloat64);
    double* dst = fresh.data<double>();
    for (std::int64_t s = 0; s < m; ++s) {
      const std::int64_t r = pair[static_cast<std::size_t>(s)], i = r / k;
      const std::int64_t j = nb[slot[static_cast<std::size_t>(i)] * k + r % k];
      const double u = gap.data<double>()[s];
      for (std::int64_t f = 0; f < d; ++f)
        dst[s * d + f] = src[i * d + f] + u * (src[j * d + f] - src[i * d + f]);
    }
    parts.push_back(fresh.to(x.dtype()));
    label_parts.push_back(full({m}, static_cast<double>(c), kInt64));
    synthetic += m;
  }
  if (synthetic == 0) return {x, labels, 0};
  return {concat(parts, 0), concat(label_parts, 0), synthetic};
}

}  // namespace minidl::data
