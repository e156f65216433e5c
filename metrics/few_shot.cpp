// N-way K-shot episodes with a prototype classifier (definitions in metrics/few_shot.h).
//
// Draws use partial Fisher-Yates shuffles (the first n_way of the eligible classes, the first
// k_shot + n_query of a class's samples), so samples are distinct and every subset is equally
// likely. Episodes are independent and run in parallel in fixed chunks of kEpisodesPerTask; each
// writes only its own accuracy, and the mean and deviation are summed in episode order.
#include "metrics/few_shot.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "tensor/parallel.h"
#include "tensor/random.h"

namespace minidl::metrics {
namespace {

constexpr std::int64_t kEpisodesPerTask = 16;

void check_features(const char* op, const char* what, const Tensor& x) {
  MINIDL_CHECK(x.defined() && x.dim() == 2 && is_floating(x.dtype()), op, ": ", what,
               " must be float [M, D], got ",
               x.defined() ? std::string(dtype_name(x.dtype())) + " " + shape_str(x.shape())
                           : std::string("an undefined tensor"));
}

void check_labels(const char* op, const char* what, const Tensor& x, const Tensor& labels) {
  MINIDL_CHECK(labels.defined() && labels.dtype() == kInt64 && labels.dim() == 1, op,
               ": labels must be int64 [M], got ",
               labels.defined()
                   ? std::string(dtype_name(labels.dtype())) + " " + shape_str(labels.shape())
                   : std::string("an undefined tensor"));
  MINIDL_CHECK(labels.size(0) == x.size(0), op, ": ", x.size(0), " rows of ", what, " but ",
               labels.size(0), " labels");
}

std::vector<double> finite_values(const char* op, const Tensor& x) {
  std::vector<double> v = x.to_vector();
  const std::int64_t d = x.size(1);
  for (std::size_t i = 0; i < v.size(); ++i)
    MINIDL_CHECK(std::isfinite(v[i]), op, ": embeddings[", static_cast<std::int64_t>(i) / d, ", ",
                 static_cast<std::int64_t>(i) % d, "] is ", v[i], "; embeddings must be finite");
  return v;
}

// Index of the prototype nearest to q (ties to the lower index). protos is [c, d].
std::int64_t nearest(const double* q, const std::vector<double>& protos, std::int64_t c,
                     std::int64_t d) {
  std::int64_t best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (std::int64_t k = 0; k < c; ++k) {
    double s = 0;
    for (std::int64_t j = 0; j < d; ++j) {
      const double diff = q[j] - protos[static_cast<std::size_t>(k * d + j)];
      s += diff * diff;
    }
    if (s < best_d) {
      best_d = s;
      best = k;
    }
  }
  return best;
}

// Samples of each class (classes in increasing label value), indices in increasing order.
std::vector<std::vector<std::int64_t>> group_by_class(const Tensor& labels) {
  const std::int64_t n = labels.size(0);
  const std::int64_t* y = labels.data<std::int64_t>();
  std::vector<std::int64_t> values(y, y + n);
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  std::vector<std::vector<std::int64_t>> groups(values.size());
  for (std::int64_t i = 0; i < n; ++i)
    groups[static_cast<std::size_t>(std::lower_bound(values.begin(), values.end(), y[i]) -
                                    values.begin())]
        .push_back(i);
  return groups;
}

// Moves a uniformly drawn m-subset of v to its front, in random order (partial Fisher-Yates).
void draw_front(std::vector<std::int64_t>& v, std::int64_t m, Generator& gen) {
  const std::int64_t n = static_cast<std::int64_t>(v.size());
  for (std::int64_t i = 0; i < m; ++i) {
    const std::int64_t j =
        i +
        std::min(n - i - 1, static_cast<std::int64_t>(gen.uniform() * static_cast<double>(n - i)));
    std::swap(v[static_cast<std::size_t>(i)], v[static_cast<std::size_t>(j)]);
  }
}

}  // namespace

Tensor prototype_classify(const Tensor& support, const Tensor& support_labels,
                          const Tensor& queries) {
  const char* op = "prototype_classify";
  check_features(op, "support", support);
  check_features(op, "queries", queries);
  check_labels(op, "support", support, support_labels);
  MINIDL_CHECK(support.size(0) > 0, op, ": the support set is empty");
  const std::int64_t d = support.size(1);
  MINIDL_CHECK(queries.size(1) == d, op, ": queries ", shape_str(queries.shape()), " and support ",
               shape_str(support.shape()), " differ in D");
  const std::vector<double> s = finite_values(op, support), q = finite_values(op, queries);
  const auto groups = group_by_class(support_labels);
  const std::int64_t c = static_cast<std::int64_t>(groups.size());
  std::vector<double> protos(static_cast<std::size_t>(c * d), 0.0);
  std::vector<std::int64_t> class_label(static_cast<std::size_t>(c));
  for (std::int64_t k = 0; k < c; ++k) {
    const auto& g = groups[static_cast<std::size_t>(k)];
    class_label[static_cast<std::size_t>(k)] = support_labels.data<std::int64_t>()[g[0]];
    for (std::int64_t i : g)
      for (std::int64_t j = 0; j < d; ++j)
        protos[static_cast<std::size_t>(k * d + j)] += s[static_cast<std::size_t>(i * d + j)];
    for (std::int64_t j = 0; j < d; ++j)
      protos[static_cast<std::size_t>(k * d + j)] /= static_cast<double>(g.size());
  }
  Tensor out({queries.size(0)}, kInt64);
  for (std::int64_t i = 0; i < queries.size(0); ++i)
    out.data<std::int64_t>()[i] =
        class_label[static_cast<std::size_t>(nearest(q.data() + i * d, protos, c, d))];
  return out;
}

FewShotResult few_shot_eval(const Tensor& embeddings, const Tensor& labels,
                            const FewShotOptions& options) {
  const char* op = "few_shot_eval";
  check_features(op, "embeddings", embeddings);
  check_labels(op, "embeddings", embeddings, labels);
  const FewShotOptions& o = options;
  MINIDL_CHECK(o.n_way >= 1 && o.k_shot >= 1 && o.n_query >= 1 && o.episodes >= 1, op,
               ": n_way, k_shot, n_query and episodes must be >= 1, got ", o.n_way, ", ", o.k_shot,
               ", ", o.n_query, ", ", o.episodes);
  const std::vector<double> x = finite_values(op, embeddings);
  const std::int64_t d = embeddings.size(1);
  const auto groups = group_by_class(labels);
  std::vector<std::int64_t> eligible;  // class positions with enough samples
  for (std::size_t k = 0; k < groups.size(); ++k)
    if (static_cast<std::int64_t>(groups[k].size()) >= o.k_shot + o.n_query)
      eligible.push_back(static_cast<std::int64_t>(k));
  MINIDL_CHECK(static_cast<std::int64_t>(eligible.size()) >= o.n_way, op, ": ", o.n_way,
               "-way episodes need ", o.n_way,
               " classes with at least k_shot + n_query = ", o.k_shot + o.n_query,
               " samples, but only ", eligible.size(), " of ", groups.size(),
               " classes have that many");

  FewShotResult r;
  r.accuracies.resize(static_cast<std::size_t>(o.episodes));
  parallel_for(o.episodes, kEpisodesPerTask, [&](std::int64_t e0, std::int64_t e1) {
    std::vector<std::int64_t> classes;
    std::vector<double> protos(static_cast<std::size_t>(o.n_way * d));
    std::vector<std::vector<std::int64_t>> drawn(static_cast<std::size_t>(o.n_way));
    for (std::int64_t e = e0; e < e1; ++e) {
      Generator gen(o.seed);
      gen.set_state(o.seed, static_cast<std::uint64_t>(e) << 32);
      classes = eligible;
      draw_front(classes, o.n_way, gen);
      std::fill(protos.begin(), protos.end(), 0.0);
      for (std::int64_t w = 0; w < o.n_way; ++w) {
        auto& pick = drawn[static_cast<std::size_t>(w)];
        pick = groups[static_cast<std::size_t>(classes[static_cast<std::size_t>(w)])];
        draw_front(pick, o.k_shot + o.n_query, gen);
        double* p = protos.data() + w * d;
        for (std::int64_t s = 0; s < o.k_shot; ++s)
          for (std::int64_t j = 0; j < d; ++j) p[j] += x[static_cast<std::size_t>(pick[s] * d + j)];
        for (std::int64_t j = 0; j < d; ++j) p[j] /= static_cast<double>(o.k_shot);
      }
      std::int64_t correct = 0;
      for (std::int64_t w = 0; w < o.n_way; ++w) {
        const auto& pick = drawn[static_cast<std::size_t>(w)];
        for (std::int64_t s = o.k_shot; s < o.k_shot + o.n_query; ++s)
          correct += nearest(x.data() + pick[s] * d, protos, o.n_way, d) == w;
      }
      r.accuracies[static_cast<std::size_t>(e)] =
          static_cast<double>(correct) / static_cast<double>(o.n_way * o.n_query);
    }
  });
  double sum = 0;
  for (double a : r.accuracies) sum += a;
  r.mean_accuracy = sum / static_cast<double>(o.episodes);
  double ss = 0;
  for (double a : r.accuracies) ss += (a - r.mean_accuracy) * (a - r.mean_accuracy);
  r.ci95 = 1.96 * std::sqrt(ss / static_cast<double>(o.episodes)) /
           std::sqrt(static_cast<double>(o.episodes));
  return r;
}

}  // namespace minidl::metrics
