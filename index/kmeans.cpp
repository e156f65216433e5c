// k-means with k-means++ seeding (definitions in index/kmeans.h).
//
// The costly part of k-means is the N x K squared-distance matrix of every assignment step (and
// N x trials of every seeding step). It is computed in chunks of kRowsPerChunk rows, each one
// single-threaded sgemm on its own oneTBB task. The centre sums, the seeding potentials and the
// inertia are accumulated in double in a fixed order (rows in order, or per-chunk partials
// combined in chunk order), so a result is the same for any thread count.
#include "index/kmeans.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "tensor/blas.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace minidl::index {
namespace {

constexpr std::int64_t kRowsPerChunk = 1024;

struct Points {
  std::int64_t n = 0, d = 0;
  std::vector<float> x;   // [n, d]
  std::vector<float> sq;  // |x_i|^2
};

// out[i, j] = max(|a_i|^2 + |b_j|^2 - 2 a_i.b_j, 0) for all n rows of p against m rows b
// ([m, d], squared norms bsq); out is [n, m]. Row chunks run in parallel.
void squared_distances(const Points& p, const float* b, const float* bsq, std::int64_t m,
                       float* out) {
  parallel_for(p.n, kRowsPerChunk, [&](std::int64_t r0, std::int64_t r1) {
    float* o = out + r0 * m;
    blas::sgemm(false, true, r1 - r0, m, p.d, 1.0f, p.x.data() + r0 * p.d, p.d, b, p.d, 0.0f, o, m);
    for (std::int64_t i = r0; i < r1; ++i, o += m)
      for (std::int64_t j = 0; j < m; ++j)
        o[j] = std::max(p.sq[static_cast<std::size_t>(i)] + bsq[j] - 2.0f * o[j], 0.0f);
  });
}

std::vector<float> squared_norms(const std::vector<float>& rows, std::int64_t m, std::int64_t d) {
  std::vector<float> sq(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) {
    double s = 0;
    for (std::int64_t j = 0; j < d; ++j)
      s += static_cast<double>(rows[i * d + j]) * rows[i * d + j];
    sq[static_cast<std::size_t>(i)] = static_cast<float>(s);
  }
  return sq;
}

// Greedy k-means++ seeding: k centre rows [k, d].
std::vector<float> seed_centres(const Points& p, std::int64_t k, Generator& gen) {
  const std::int64_t n = p.n, d = p.d;
  const std::int64_t trials = 2 + static_cast<std::int64_t>(std::log(static_cast<double>(k)));
  std::vector<float> centres(static_cast<std::size_t>(k * d));
  auto take = [&](std::int64_t c, std::int64_t i) {
    std::copy(p.x.begin() + i * d, p.x.begin() + (i + 1) * d, centres.begin() + c * d);
  };
  std::int64_t first = std::min(n - 1, static_cast<std::int64_t>(gen.uniform() * n));
  take(0, first);
  std::vector<float> closest(static_cast<std::size_t>(n));
  squared_distances(p, p.x.data() + first * d, p.sq.data() + first, 1, closest.data());
  std::vector<std::int64_t> cand(static_cast<std::size_t>(trials));
  std::vector<float> cand_x(static_cast<std::size_t>(trials * d)), cand_sq(cand.size());
  std::vector<float> dist(static_cast<std::size_t>(n * trials));
  std::vector<double> cum(static_cast<std::size_t>(n));
  for (std::int64_t c = 1; c < k; ++c) {
    // pot = sum_i D(x_i)^2; a candidate is the first point whose cumulative D^2 reaches u * pot
    // (numpy's searchsorted, side left, as scikit-learn draws them).
    double pot = 0;
    for (std::int64_t i = 0; i < n; ++i) cum[static_cast<std::size_t>(i)] = pot += closest[i];
    for (std::int64_t t = 0; t < trials; ++t) {
      const double target = gen.uniform() * pot;
      const auto it = std::lower_bound(cum.begin(), cum.end(), target);
      const std::int64_t i = std::min<std::int64_t>(n - 1, it - cum.begin());
      cand[static_cast<std::size_t>(t)] = i;
      std::copy(p.x.begin() + i * d, p.x.begin() + (i + 1) * d, cand_x.begin() + t * d);
      cand_sq[static_cast<std::size_t>(t)] = p.sq[static_cast<std::size_t>(i)];
    }
    squared_distances(p, cand_x.data(), cand_sq.data(), trials, dist.data());
    std::int64_t best = 0;
    double best_pot = std::numeric_limits<double>::infinity();
    for (std::int64_t t = 0; t < trials; ++t) {
      double s = 0;
      for (std::int64_t i = 0; i < n; ++i) s += std::min(closest[i], dist[i * trials + t]);
      if (s < best_pot) {
        best_pot = s;
        best = t;
      }
    }
    for (std::int64_t i = 0; i < n; ++i) closest[i] = std::min(closest[i], dist[i * trials + best]);
    take(c, cand[static_cast<std::size_t>(best)]);
  }
  return centres;
}

// Nearest centre of every point (ties to the lower index) and its squared distance.
void assign(const Points& p, const std::vector<float>& centres, std::int64_t k,
            std::vector<std::int64_t>& labels, std::vector<float>& mind) {
  const std::vector<float> csq = squared_norms(centres, k, p.d);
  parallel_for(p.n, kRowsPerChunk, [&](std::int64_t r0, std::int64_t r1) {
    std::vector<float> block(static_cast<std::size_t>((r1 - r0) * k));
    blas::sgemm(false, true, r1 - r0, k, p.d, 1.0f, p.x.data() + r0 * p.d, p.d, centres.data(), p.d,
                0.0f, block.data(), k);
    for (std::int64_t i = r0; i < r1; ++i) {
      const float* row = block.data() + (i - r0) * k;
      std::int64_t best = 0;
      float best_d = std::numeric_limits<float>::infinity();
      for (std::int64_t j = 0; j < k; ++j) {
        const float dd = std::max(p.sq[static_cast<std::size_t>(i)] + csq[j] - 2.0f * row[j], 0.0f);
        if (dd < best_d) {
          best_d = dd;
          best = j;
        }
      }
      labels[static_cast<std::size_t>(i)] = best;
      mind[static_cast<std::size_t>(i)] = best_d;
    }
  });
}

// Means of the assigned points; an empty cluster takes the point farthest from its centre
// (among clusters that keep at least one point).
std::vector<float> update_centres(const Points& p, std::int64_t k,
                                  const std::vector<std::int64_t>& labels,
                                  const std::vector<float>& mind, const std::vector<float>& old) {
  const std::int64_t n = p.n, d = p.d;
  std::vector<double> sums(static_cast<std::size_t>(k * d), 0.0);
  std::vector<std::int64_t> counts(static_cast<std::size_t>(k), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t c = labels[static_cast<std::size_t>(i)];
    ++counts[static_cast<std::size_t>(c)];
    for (std::int64_t j = 0; j < d; ++j) sums[c * d + j] += p.x[i * d + j];
  }
  if (std::count(counts.begin(), counts.end(), 0) > 0) {
    std::vector<std::int64_t> far(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) far[static_cast<std::size_t>(i)] = i;
    std::stable_sort(far.begin(), far.end(), [&](std::int64_t a, std::int64_t b) {
      return mind[static_cast<std::size_t>(a)] > mind[static_cast<std::size_t>(b)];
    });
    std::size_t next = 0;
    for (std::int64_t e = 0; e < k; ++e) {
      if (counts[static_cast<std::size_t>(e)] != 0) continue;
      while (next < far.size() &&
             counts[static_cast<std::size_t>(labels[static_cast<std::size_t>(far[next])])] < 2)
        ++next;
      if (next == far.size()) break;  // every point is alone in its cluster: nothing to move
      const std::int64_t i = far[next++];
      const std::int64_t from = labels[static_cast<std::size_t>(i)];
      --counts[static_cast<std::size_t>(from)];
      counts[static_cast<std::size_t>(e)] = 1;
      for (std::int64_t j = 0; j < d; ++j) {
        sums[from * d + j] -= p.x[i * d + j];
        sums[e * d + j] = p.x[i * d + j];
      }
    }
  }
  std::vector<float> out(old);
  for (std::int64_t c = 0; c < k; ++c) {
    const std::int64_t cnt = counts[static_cast<std::size_t>(c)];
    if (cnt == 0) continue;  // keeps its old place
    for (std::int64_t j = 0; j < d; ++j)
      out[c * d + j] = static_cast<float>(sums[c * d + j] / static_cast<double>(cnt));
  }
  return out;
}

double exact_inertia(const Points& p, const std::vector<float>& centres,
                     const std::vector<std::int64_t>& labels) {
  const std::int64_t d = p.d;
  return parallel_reduce(
      p.n, kRowsPerChunk, 0.0,
      [&](std::int64_t r0, std::int64_t r1) {
        double s = 0;
        for (std::int64_t i = r0; i < r1; ++i) {
          const std::int64_t c = labels[static_cast<std::size_t>(i)];
          for (std::int64_t j = 0; j < d; ++j) {
            const double diff = static_cast<double>(p.x[i * d + j]) - centres[c * d + j];
            s += diff * diff;
          }
        }
        return s;
      },
      [](double a, double b) { return a + b; });
}

struct Run {
  std::vector<float> centres;
  std::vector<std::int64_t> labels;
  double inertia = 0;
  std::int64_t iterations = 0;
};

Run lloyd(const Points& p, std::int64_t k, std::vector<float> centres, const KMeansOptions& opt,
          double tol_abs) {
  const std::int64_t n = p.n;
  Run run;
  std::vector<std::int64_t> labels(static_cast<std::size_t>(n)),
      old(static_cast<std::size_t>(n), -1);
  std::vector<float> mind(static_cast<std::size_t>(n));
  bool strict = false;
  for (std::int64_t it = 1; it <= opt.max_iter; ++it) {
    assign(p, centres, k, labels, mind);
    std::vector<float> next = update_centres(p, k, labels, mind, centres);
    run.iterations = it;
    if (labels == old) {
      strict = true;
      centres = std::move(next);
      break;
    }
    double shift = 0;
    for (std::size_t j = 0; j < next.size(); ++j) {
      const double diff = static_cast<double>(next[j]) - centres[j];
      shift += diff * diff;
    }
    centres = std::move(next);
    if (shift <= tol_abs) break;
    old = labels;
  }
  // After a tol stop (or max_iter) the labels belong to the previous centres: assign once more.
  if (!strict) assign(p, centres, k, labels, mind);
  run.inertia = exact_inertia(p, centres, labels);
  run.centres = std::move(centres);
  run.labels = std::move(labels);
  return run;
}

}  // namespace

KMeansResult kmeans(const Tensor& x, std::int64_t k, const KMeansOptions& options) {
  const char* op = "kmeans";
  MINIDL_CHECK(x.defined() && x.dim() == 2 && is_floating(x.dtype()), op,
               ": x must be float [N, D], got ",
               x.defined() ? std::string(dtype_name(x.dtype())) + " " + shape_str(x.shape())
                           : std::string("an undefined tensor"));
  Points p;
  p.n = x.size(0);
  p.d = x.size(1);
  MINIDL_CHECK(p.n > 0 && p.d > 0, op, ": x is empty, shape ", shape_str(x.shape()));
  MINIDL_CHECK(k >= 1 && k <= p.n, op, ": k must be in [1, N] = [1, ", p.n, "], got ", k);
  MINIDL_CHECK(options.n_init >= 1, op, ": n_init must be >= 1, got ", options.n_init);
  MINIDL_CHECK(options.max_iter >= 1, op, ": max_iter must be >= 1, got ", options.max_iter);
  MINIDL_CHECK(options.tol >= 0, op, ": tol must be >= 0, got ", options.tol);
  const Tensor x32 = x.to(kFloat32);
  p.x.assign(x32.data<float>(), x32.data<float>() + p.n * p.d);
  for (std::size_t i = 0; i < p.x.size(); ++i)
    MINIDL_CHECK(std::isfinite(p.x[i]), op, ": x[", static_cast<std::int64_t>(i) / p.d, ", ",
                 static_cast<std::int64_t>(i) % p.d, "] is ", p.x[i], "; x must be finite");
  p.sq = squared_norms(p.x, p.n, p.d);

  // tol_abs = tol * mean over features of the population variance (scikit-learn's _tolerance).
  double var_sum = 0;
  for (std::int64_t j = 0; j < p.d; ++j) {
    double mean = 0, m2 = 0;
    for (std::int64_t i = 0; i < p.n; ++i) mean += p.x[i * p.d + j];
    mean /= static_cast<double>(p.n);
    for (std::int64_t i = 0; i < p.n; ++i)
      m2 += (p.x[i * p.d + j] - mean) * (p.x[i * p.d + j] - mean);
    var_sum += m2 / static_cast<double>(p.n);
  }
  const double tol_abs = options.tol * var_sum / static_cast<double>(p.d);

  Run best;
  for (std::int64_t r = 0; r < options.n_init; ++r) {
    // Run r draws from the seed's stream at offset r * 2^40: runs never share random numbers.
    Generator gen(options.seed);
    gen.set_state(options.seed, static_cast<std::uint64_t>(r) << 40);
    Run run = lloyd(p, k, seed_centres(p, k, gen), options, tol_abs);
    if (r == 0 || run.inertia < best.inertia) best = std::move(run);
  }
  KMeansResult out;
  out.centroids = from_vector(best.centres, {k, p.d});
  out.labels = from_vector(best.labels);
  out.inertia = best.inertia;
  out.iterations = best.iterations;
  return out;
}

}  // namespace minidl::index
