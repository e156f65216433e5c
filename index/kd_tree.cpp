// k-d tree build and search (algorithm and fallback rule in index/kd_tree.h).
#include "index/kd_tree.h"

#include <algorithm>
#include <numeric>

#include "index/detail.h"
#include "tensor/parallel.h"

namespace minidl::index {
namespace {

// Queries per task of a tree search: enough to amortise a task, small enough to spread.
constexpr std::int64_t kKdQueryGrain = 32;

}  // namespace

KdTreeIndex::KdTreeIndex(std::int64_t dim, Metric metric, KdTreeOptions options)
    : ExactIndex(dim, metric), options_(options) {
  MINIDL_CHECK(options.leaf_size >= 1, "kdtree: leaf_size must be >= 1, got ", options.leaf_size);
  MINIDL_CHECK(options.max_dim >= 0, "kdtree: max_dim must be >= 0, got ", options.max_dim);
}

std::size_t KdTreeIndex::memory_bytes() const {
  return ExactIndex::memory_bytes() + nodes_.capacity() * sizeof(Node) +
         points_.capacity() * sizeof(float) + point_ids_.capacity() * sizeof(std::int64_t);
}

bool KdTreeIndex::uses_tree() const {
  return dim_ <= options_.max_dim && size() >= kKdMinRows && metric_ != Metric::kInnerProduct;
}

void KdTreeIndex::rebuilt(std::int64_t) {  // always whole: median splits move with new rows
  nodes_.clear();
  points_.clear();
  point_ids_.clear();
  if (!uses_tree()) {
    nodes_.shrink_to_fit();
    points_.shrink_to_fit();
    point_ids_.shrink_to_fit();
    return;
  }
  const std::int64_t n = size(), d = dim_;
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
    if (t.end - t.begin <= options_.leaf_size) continue;
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
  points_.resize(static_cast<std::size_t>(n * d));
  point_ids_.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    std::copy_n(data_.begin() + order[i] * d, d, points_.begin() + i * d);
    point_ids_[static_cast<std::size_t>(i)] = ids_[static_cast<std::size_t>(order[i])];
  }
}

void KdTreeIndex::search_one(const float* q, std::int64_t k, const Filter& filter,
                             std::int64_t* ids, float* keys) const {
  const std::int64_t d = dim_;
  TopK heap(k, keys, ids);
  std::vector<float> off(static_cast<std::size_t>(d), 0.0f);
  // Depth first; the depth is about log2(N / leaf_size) since splits are at the median.
  auto visit = [&](auto&& self, std::int32_t n, float rd) -> void {
    const Node& node = nodes_[static_cast<std::size_t>(n)];
    if (node.dim < 0) {
      for (std::int64_t i = node.begin; i < node.end; ++i) {
        const std::int64_t id = point_ids_[static_cast<std::size_t>(i)];
        const float key = l2sq(q, points_.data() + i * d, d);
        if (key <= heap.worst() && filter.allows(id)) heap.push(key, id);
      }
      return;
    }
    const float diff = q[node.dim] - node.split;
    const std::int32_t near = diff <= 0 ? node.left : node.right;
    const std::int32_t far = diff <= 0 ? node.right : node.left;
    self(self, near, rd);
    float& o = off[static_cast<std::size_t>(node.dim)];
    const float old = o;
    const float far_rd = rd - old * old + diff * diff;
    if (far_rd <= heap.worst()) {
      o = diff;
      self(self, far, far_rd);
      o = old;
    }
  };
  visit(visit, 0, 0.0f);
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
  parallel_for(nq, kKdQueryGrain, [&](std::int64_t b, std::int64_t e) {
    for (std::int64_t i = b; i < e; ++i)
      search_one(q + i * dim_, k, filter, ids + i * k, keys + i * k);
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
  r.check(options_.leaf_size >= 1, "kdtree leaf_size ", options_.leaf_size, " must be >= 1");
  r.check(options_.max_dim >= 0, "kdtree max_dim ", options_.max_dim, " must be >= 0");
  ExactIndex::load_body(r);  // calls rebuilt()
}

}  // namespace minidl::index
