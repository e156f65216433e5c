// k-d tree build and search (algorithm and fallback rule in index/kd_tree.h).
#include "index/kd_tree.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "index/detail.h"
#include "tensor/parallel.h"

namespace minidl::index {
namespace {

// Queries per task of a tree search: enough to amortise a task, small enough to spread.
constexpr std::int64_t kKdQueryGrain = 32;
// Rows per step of a leaf scan (two 8-float vectors; measured a little faster than one).
constexpr int kKdLanes = 16;

}  // namespace

KdTreeIndex::KdTreeIndex(std::int64_t dim, Metric metric, KdTreeOptions options)
    : ExactIndex(dim, metric), options_(options) {
  MINIDL_CHECK(options.leaf_size >= 0, "kdtree: leaf_size must be >= 0 (0: automatic), got ",
               options.leaf_size);
  MINIDL_CHECK(options.max_dim >= 0, "kdtree: max_dim must be >= 0, got ", options.max_dim);
}

std::size_t KdTreeIndex::memory_bytes() const {
  return ExactIndex::memory_bytes() + nodes_.capacity() * sizeof(Node) +
         (points_.capacity() + boxes_.capacity()) * sizeof(float) +
         point_ids_.capacity() * sizeof(std::int64_t);
}

bool KdTreeIndex::uses_tree() const {
  return dim_ <= options_.max_dim && size() >= kKdMinRows && metric_ != Metric::kInnerProduct;
}

void KdTreeIndex::rebuilt(std::int64_t) {  // always whole: median splits move with new rows
  nodes_.clear();
  points_.clear();
  point_ids_.clear();
  boxes_.clear();
  if (!uses_tree()) {
    boxes_.shrink_to_fit();
    nodes_.shrink_to_fit();
    points_.shrink_to_fit();
    point_ids_.shrink_to_fit();
    return;
  }
  const std::int64_t n = size(), d = dim_;
  const std::int64_t leaf = options_.leaf_size > 0 ? options_.leaf_size : kKdLeafPerDim * d;
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  // Explicit stack of (node, begin, end): no recursion depth limit on skewed data.
  struct Todo {
    std::int32_t node;
    std::int64_t begin, end;
  };
  nodes_.push_back({-1, 0, -1, -1, 0, n});
  std::vector<Todo> todo{{0, 0, n}};
  while (!todo.empty()) {
    const Todo t = todo.back();
    todo.pop_back();
    if (t.end - t.begin <= leaf) continue;
    std::int32_t best = 0;
    float best_spread = -1;
    for (std::int64_t j = 0; j < d; ++j) {
      float lo = data_[static_cast<std::size_t>(order[t.begin] * d + j)], hi = lo;
      for (std::int64_t i = t.begin; i < t.end; ++i) {
        const float v = data_[static_cast<std::size_t>(order[i] * d + j)];
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
      if (hi - lo > best_spread) best_spread = hi - lo, best = static_cast<std::int32_t>(j);
    }
    if (best_spread <= 0) continue;  // all rows equal: a leaf, whatever its size
    const std::int64_t mid = t.begin + (t.end - t.begin) / 2;
    auto coord = [&](std::int64_t r) { return data_[static_cast<std::size_t>(r * d + best)]; };
    std::nth_element(order.begin() + t.begin, order.begin() + mid, order.begin() + t.end,
                     [&](std::int64_t a, std::int64_t b) {
                       return coord(a) < coord(b) || (coord(a) == coord(b) && a < b);
                     });
    const auto left = static_cast<std::int32_t>(nodes_.size());
    nodes_.push_back({-1, 0, -1, -1, t.begin, mid});
    nodes_.push_back({-1, 0, -1, -1, mid, t.end});
    Node& node = nodes_[static_cast<std::size_t>(t.node)];
    node.dim = best;
    node.split = coord(order[mid]);
    node.left = left;
    node.right = left + 1;
    todo.push_back({left, t.begin, mid});
    todo.push_back({left + 1, mid, t.end});
  }
  point_ids_.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    point_ids_[static_cast<std::size_t>(i)] = ids_[static_cast<std::size_t>(order[i])];
  // Leaves' rows in tree order, each leaf transposed ([D][its rows padded to kKdLanes]) so a scan
  // computes the distances of kKdLanes rows in vector instructions.
  auto row = [&](std::int64_t i) { return data_.data() + order[i] * d; };
  std::int64_t total = 0;
  for (Node& node : nodes_)
    if (node.dim < 0) {
      node.soa = total;
      total += d * ((node.end - node.begin + kKdLanes - 1) / kKdLanes * kKdLanes);
    }
  points_.assign(static_cast<std::size_t>(total), 0.0f);
  for (const Node& node : nodes_) {
    if (node.dim >= 0) continue;
    const std::int64_t pad = (node.end - node.begin + kKdLanes - 1) / kKdLanes * kKdLanes;
    for (std::int64_t i = node.begin; i < node.end; ++i)
      for (std::int64_t j = 0; j < d; ++j)
        points_[static_cast<std::size_t>(node.soa + j * pad + (i - node.begin))] = row(i)[j];
  }
  // Tight boxes, children before parents (a child's index is above its parent's).
  boxes_.assign(nodes_.size() * 2 * static_cast<std::size_t>(d), 0.0f);
  for (std::size_t m = nodes_.size(); m-- > 0;) {
    const Node& node = nodes_[m];
    float* lo = boxes_.data() + m * 2 * d;
    float* hi = lo + d;
    std::fill(lo, lo + d, std::numeric_limits<float>::infinity());
    std::fill(hi, hi + d, -std::numeric_limits<float>::infinity());
    for (std::int64_t i = node.begin; i < node.end; ++i)
      for (std::int64_t j = 0; j < d; ++j) {
        lo[j] = std::min(lo[j], row(i)[j]);
        hi[j] = std::max(hi[j], row(i)[j]);
      }
  }
}

namespace {

// Squared distance from q to the box [lo, hi] (0 inside): no row of the box can be nearer.
// Branch-free: written as "if outside, add", the compiler emits a branch per coordinate that
// mispredicts about half the time (it was the hottest spot of a search at 8-d).
template <int kD>
float box_dist(const float* q, const float* lo, const float* hi, std::int64_t d) {
  constexpr std::int64_t kMax = kD > 0 ? kD : 1;
  float s = 0;
  if constexpr (kD > 0) {
    float o[kMax];
    for (std::int64_t j = 0; j < kD; ++j) {
      const float v = std::max(lo[j] - q[j], q[j] - hi[j]);
      o[j] = v > 0.0f ? v : 0.0f;
    }
    for (std::int64_t j = 0; j < kD; ++j) s += o[j] * o[j];
  } else {
    for (std::int64_t j = 0; j < d; ++j) {
      const float v = std::max(lo[j] - q[j], q[j] - hi[j]);
      const float o = v > 0.0f ? v : 0.0f;
      s += o * o;
    }
  }
  return s;
}

}  // namespace

template <int kD>
void KdTreeIndex::search_one(const float* q, std::int64_t k, const Filter& filter,
                             std::int64_t* ids, float* keys) const {
  const std::int64_t d = kD > 0 ? kD : dim_;
  TopK heap(k, keys, ids);
  const float* box = boxes_.data();
  auto dist = [&](std::int32_t n) {
    const float* b = box + static_cast<std::size_t>(n) * 2 * d;
    return box_dist<kD>(q, b, b + d, d);
  };
  // Depth first over an explicit stack (nearer child on top); it holds at most one sibling per
  // level, and the depth is below 64 since splits are at the median.
  struct Item {
    std::int32_t node;
    float rd;
  };
  Item stack[kKdMaxDepth + 2];
  int top = 0;
  stack[top++] = {0, dist(0)};
  while (top > 0) {
    const Item it = stack[--top];
    if (it.rd > heap.worst()) continue;  // the k-th best improved since it was pushed
    const Node& node = nodes_[static_cast<std::size_t>(it.node)];
    if (node.dim < 0) {
      const std::int64_t len = node.end - node.begin;
      const std::int64_t pad = (len + kKdLanes - 1) / kKdLanes * kKdLanes;
      const float* p = points_.data() + node.soa;
      for (std::int64_t i0 = 0; i0 < len; i0 += kKdLanes) {
        float acc[kKdLanes] = {};
        for (std::int64_t j = 0; j < d; ++j)
          for (int t = 0; t < kKdLanes; ++t) {
            const float diff = q[j] - p[j * pad + i0 + t];
            acc[t] += diff * diff;
          }
        // One vector compare rejects the whole group in the common case (the min reduction in
        // this form vectorises; a loop of "any |= acc[t] <= worst" compiled to 8 scalar ones).
        float lo = acc[0];
        for (int t = 1; t < kKdLanes; ++t) lo = acc[t] < lo ? acc[t] : lo;
        if (lo > heap.worst()) continue;
        const int lanes = static_cast<int>(std::min<std::int64_t>(kKdLanes, len - i0));
        for (int t = 0; t < lanes; ++t)
          if (acc[t] <= heap.worst()) {
            const std::int64_t id = point_ids_[static_cast<std::size_t>(node.begin + i0 + t)];
            if (filter.allows(id)) heap.push(acc[t], id);
          }
      }
      continue;
    }
    const float dl = dist(node.left), dr = dist(node.right);
    const bool left_first = dl <= dr;
    const Item near{left_first ? node.left : node.right, left_first ? dl : dr};
    const Item far{left_first ? node.right : node.left, left_first ? dr : dl};
    if (far.rd <= heap.worst()) stack[top++] = far;
    if (near.rd <= heap.worst()) stack[top++] = near;
  }
  heap.finish();
  // Cosine on unit rows: -cos = |q - x|^2 / 2 - 1, the key the other indexes report from.
  if (metric_ == Metric::kCosine)
    for (std::int64_t c = 0; c < k; ++c)
      if (ids[c] >= 0) keys[c] = keys[c] * 0.5f - 1.0f;
}

void KdTreeIndex::search_prepared(const float* q, std::int64_t nq, std::int64_t k,
                                  const Filter& filter, std::int64_t* ids, float* keys) const {
  if (!uses_tree()) {
    scan(q, nq, k, filter, ids, keys);
    return;
  }
  // Queries in the order of the leaf each falls in: consecutive queries then open mostly the
  // same leaves, which stay in cache (on the 8-d bench: 10-15% less time).
  std::vector<std::pair<std::int32_t, std::int64_t>> order(static_cast<std::size_t>(nq));
  for (std::int64_t i = 0; i < nq; ++i) {
    std::int32_t n = 0;
    while (nodes_[static_cast<std::size_t>(n)].dim >= 0) {
      const Node& node = nodes_[static_cast<std::size_t>(n)];
      n = q[i * dim_ + node.dim] <= node.split ? node.left : node.right;
    }
    order[static_cast<std::size_t>(i)] = {n, i};
  }
  std::sort(order.begin(), order.end());
  parallel_for(nq, kKdQueryGrain, [&](std::int64_t b, std::int64_t e) {
    // The dimension as a template argument up to 8: the loops over coordinates unroll.
    auto run = [&](auto one) {
      for (std::int64_t r = b; r < e; ++r) {
        const std::int64_t i = order[static_cast<std::size_t>(r)].second;
        one(q + i * dim_, ids + i * k, keys + i * k);
      }
    };
    switch (dim_) {
#define MINIDL_KD_CASE(D)                                                                         \
  case D:                                                                                         \
    run([&](const float* qi, std::int64_t* o, float* w) { search_one<D>(qi, k, filter, o, w); }); \
    break;
      MINIDL_KD_CASE(1)
      MINIDL_KD_CASE(2)
      MINIDL_KD_CASE(3)
      MINIDL_KD_CASE(4)
      MINIDL_KD_CASE(5)
      MINIDL_KD_CASE(6)
      MINIDL_KD_CASE(7)
      MINIDL_KD_CASE(8)
#undef MINIDL_KD_CASE
      default:
        run([&](const float* qi, std::int64_t* o, float* w) {
          search_one<0>(qi, k, filter, o, w);
        });
    }
  });
}

void KdTreeIndex::save_body(Writer& w) const {
  w.put(options_.leaf_size);
  w.put(options_.max_dim);
  ExactIndex::save_body(w);
}

void KdTreeIndex::load_body(Reader& r) {
  options_.leaf_size = r.get<std::int64_t>("leaf_size");
  options_.max_dim = r.get<std::int64_t>("max_dim");
  r.check(options_.leaf_size >= 0, "kdtree leaf_size ", options_.leaf_size, " must be >= 0");
  r.check(options_.max_dim >= 0, "kdtree max_dim ", options_.max_dim, " must be >= 0");
  ExactIndex::load_body(r);  // calls rebuilt()
}

}  // namespace minidl::index
