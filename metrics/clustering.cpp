// NMI and ARI (definitions in metrics/clustering.h); k-means itself lives in index/kmeans.cpp,
// beside the IVF index that trains its coarse quantizer with it.
#include "metrics/clustering.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace minidl::metrics {
namespace {

void check_labels(const char* op, const char* name, const Tensor& labels) {
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1, op, ": ", name,
               " must be int64 [N], got ",
               labels.defined()
                   ? std::string(dtype_name(labels.dtype())) + " " + shape_str(labels.shape())
                   : std::string("an undefined tensor"));
}

// Dense ids 0..C-1 (by sorted value); returns C.
std::int64_t dense_ids(const Tensor& labels, std::vector<std::int64_t>& ids) {
  const std::int64_t n = labels.size(0);
  const std::int64_t* y = labels.data<std::int64_t>();
  std::vector<std::int64_t> values(y, y + n);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  ids.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    ids[static_cast<std::size_t>(i)] =
        std::lower_bound(values.begin(), values.end(), y[i]) - values.begin();
  return static_cast<std::int64_t>(values.size());
}

}  // namespace

double normalized_mutual_info(const Tensor& labels_true, const Tensor& labels_pred) {
  const char* op = "normalized_mutual_info";
  check_labels(op, "labels_true", labels_true);
  check_labels(op, "labels_pred", labels_pred);
  const std::int64_t n = labels_true.size(0);
  MINIDL_CHECK(labels_pred.size(0) == n, op, ": ", n, " true labels but ", labels_pred.size(0),
               " predicted");
  MINIDL_CHECK(n > 0, op, ": no samples");
  std::vector<std::int64_t> u, v;
  const std::int64_t cu = dense_ids(labels_true, u), cv = dense_ids(labels_pred, v);
  if (cu == 1 && cv == 1) return 1.0;  // neither labeling splits the data: a perfect match
  std::vector<std::int64_t> a(static_cast<std::size_t>(cu), 0), b(static_cast<std::size_t>(cv), 0);
  std::vector<std::int64_t> cell(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto iu = static_cast<std::size_t>(i);
    ++a[static_cast<std::size_t>(u[iu])];
    ++b[static_cast<std::size_t>(v[iu])];
    cell[iu] = u[iu] * cv + v[iu];
  }
  std::sort(cell.begin(), cell.end());
  const double dn = static_cast<double>(n);
  double mi = 0;
  for (std::size_t s = 0; s < cell.size();) {
    std::size_t e = s;
    while (e < cell.size() && cell[e] == cell[s]) ++e;
    const double nuv = static_cast<double>(e - s);
    const double au = static_cast<double>(a[static_cast<std::size_t>(cell[s] / cv)]);
    const double bv = static_cast<double>(b[static_cast<std::size_t>(cell[s] % cv)]);
    // Written as scikit-learn's mutual_info_score writes it, so the rounding is alike.
    const double term = nuv / dn * (std::log(nuv) - std::log(dn)) +
                        nuv / dn * (-std::log(au * bv) + 2 * std::log(dn));
    mi += std::fabs(term) < std::numeric_limits<double>::epsilon() ? 0.0 : term;
    s = e;
  }
  mi = std::max(mi, 0.0);
  if (mi == 0) return 0.0;
  auto entropy = [dn](const std::vector<std::int64_t>& counts) {
    double h = 0;
    for (std::int64_t c : counts) {
      const double pc = static_cast<double>(c) / dn;
      h -= pc * std::log(pc);
    }
    return h;
  };
  return mi / (0.5 * (entropy(a) + entropy(b)));
}

double adjusted_rand_index(const Tensor& labels_true, const Tensor& labels_pred) {
  const char* op = "adjusted_rand_index";
  check_labels(op, "labels_true", labels_true);
  check_labels(op, "labels_pred", labels_pred);
  const std::int64_t n = labels_true.size(0);
  MINIDL_CHECK(labels_pred.size(0) == n, op, ": ", n, " true labels but ", labels_pred.size(0),
               " predicted");
  MINIDL_CHECK(n > 0, op, ": no samples");
  std::vector<std::int64_t> u, v;
  const std::int64_t cu = dense_ids(labels_true, u), cv = dense_ids(labels_pred, v);
  std::vector<std::int64_t> a(static_cast<std::size_t>(cu), 0), b(static_cast<std::size_t>(cv), 0);
  std::vector<std::int64_t> cell(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto iu = static_cast<std::size_t>(i);
    ++a[static_cast<std::size_t>(u[iu])];
    ++b[static_cast<std::size_t>(v[iu])];
    cell[iu] = u[iu] * cv + v[iu];
  }
  std::sort(cell.begin(), cell.end());
  auto pairs = [](std::int64_t m) { return m * (m - 1) / 2; };
  std::int64_t same_both = 0, same_true = 0, same_pred = 0;
  for (std::size_t s = 0; s < cell.size();) {
    std::size_t e = s;
    while (e < cell.size() && cell[e] == cell[s]) ++e;
    same_both += pairs(static_cast<std::int64_t>(e - s));
    s = e;
  }
  for (std::int64_t c : a) same_true += pairs(c);
  for (std::int64_t c : b) same_pred += pairs(c);
  const std::int64_t tp = same_both, fn = same_true - same_both, fp = same_pred - same_both;
  const std::int64_t tn = pairs(n) - tp - fn - fp;
  if (fn == 0 && fp == 0) return 1.0;  // identical partitions (or no pairs at all)
  // Products reach N^4 / 4: long double keeps them (64-bit mantissa) where int64 would overflow.
  using LD = long double;
  const LD num = 2.0L * (LD(tp) * LD(tn) - LD(fn) * LD(fp));
  const LD den = LD(tp + fn) * LD(fn + tn) + LD(tp + fp) * LD(fp + tn);
  return static_cast<double>(num / den);
}

ClusteringScores cluster_and_score(const Tensor& embeddings, const Tensor& labels,
                                   const KMeansOptions& options) {
  check_labels("cluster_and_score", "labels", labels);
  MINIDL_CHECK(
      embeddings.defined() && embeddings.dim() == 2 && embeddings.size(0) == labels.size(0),
      "cluster_and_score: embeddings ",
      embeddings.defined() ? shape_str(embeddings.shape()) : std::string("undefined"),
      " do not match ", labels.size(0), " labels");
  std::vector<std::int64_t> ids;
  const std::int64_t classes = labels.size(0) > 0 ? dense_ids(labels, ids) : 0;
  ClusteringScores s;
  s.clustering = kmeans(embeddings, std::max<std::int64_t>(classes, 1), options);
  s.nmi = normalized_mutual_info(labels, s.clustering.labels);
  s.ari = adjusted_rand_index(labels, s.clustering.labels);
  return s;
}

}  // namespace minidl::metrics
