// HNSW build, search, removal with repair (algorithm in index/hnsw.h; files in index/hnsw_io.cpp).
#include "index/hnsw.h"

#include <algorithm>
#include <cmath>
#include <queue>

#include "index/detail.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace minidl::index {
namespace {

// Queries per search task; inserts per task of a parallel build.
constexpr std::int64_t kHnswQueryGrain = 16;
constexpr std::int64_t kHnswBuildGrain = 32;
// Walk-and-link passes of the reachability repair (one suffices unless a full list had to drop
// a link; see index/hnsw.h).
constexpr int kRepairRounds = 8;

using Pair = std::pair<float, std::uint32_t>;
using MaxHeap = std::priority_queue<Pair>;
using MinHeap = std::priority_queue<Pair, std::vector<Pair>, std::greater<Pair>>;

}  // namespace

// Visit marks by generation: a new search bumps the stamp instead of clearing the array.
struct HnswIndex::Visited {
  std::vector<std::uint16_t> mark;
  std::uint16_t stamp = 0;
  void next(std::size_t slots) {
    if (mark.size() < slots) mark.resize(slots, 0);
    if (++stamp == 0) {
      std::fill(mark.begin(), mark.end(), 0);
      stamp = 1;
    }
  }
  // True when s was already visited; marks it.
  bool seen(std::uint32_t s) {
    if (mark[s] == stamp) return true;
    mark[s] = stamp;
    return false;
  }
};

HnswIndex::HnswIndex(std::int64_t dim, Metric metric, HnswOptions options)
    : Index(dim, metric), options_(options) {
  stride_ = static_cast<std::size_t>(dim + 1 + 2 * options.M);
  MINIDL_CHECK(options.M >= 2 && options.M <= 1024, "hnsw: M must be in [2, 1024], got ",
               options.M);
  MINIDL_CHECK(options.ef_construction >= 1, "hnsw: ef_construction must be >= 1, got ",
               options.ef_construction);
  set_ef(options.ef);
}

void HnswIndex::set_ef(std::int64_t ef) {
  MINIDL_CHECK(ef >= 1, "hnsw: ef must be >= 1, got ", ef);
  options_.ef = ef;
}

std::size_t HnswIndex::memory_bytes() const {
  std::size_t b = nodes_.capacity() * sizeof(float) + slot_id_.capacity() * 8 + levels_.capacity() +
                  slot_of_id_.capacity() * 16 + free_.capacity() * 4;
  for (const auto& [s, v] : upper_) b += v.capacity() * 4 + 48;  // 48: a map node, roughly
  return b;
}

std::uint32_t* HnswIndex::links(std::uint32_t s, int level) {
  if (level == 0)
    return reinterpret_cast<std::uint32_t*>(nodes_.data() + std::size_t{s} * stride_ + dim_);
  return upper_.find(s)->second.data() + static_cast<std::size_t>((level - 1) * (1 + options_.M));
}
const std::uint32_t* HnswIndex::links(std::uint32_t s, int level) const {
  return const_cast<HnswIndex*>(this)->links(s, level);
}

float HnswIndex::key(const float* q, std::uint32_t s) const {
  return key_of(metric_, q, vec(s), dim_);
}

int HnswIndex::draw_level(std::int64_t id) const {
  const double u =
      (static_cast<double>(philox_u64(options_.seed, static_cast<std::uint64_t>(id)) >> 11) + 1.0) *
      0x1.0p-53;
  const double ml = 1.0 / std::log(static_cast<double>(options_.M));
  return std::min(kMaxLevel, static_cast<int>(-std::log(u) * ml));
}

std::uint32_t HnswIndex::slot_of(std::int64_t id) const {
  const auto it = std::lower_bound(slot_of_id_.begin(), slot_of_id_.end(), id,
                                   [](const auto& e, std::int64_t v) { return e.first < v; });
  return it != slot_of_id_.end() && it->first == id ? it->second : kNoSlot;
}

std::int64_t HnswIndex::level_of(std::int64_t id) const {
  const std::uint32_t s = slot_of(id);
  return s == kNoSlot ? -1 : levels_[s];
}

std::int64_t HnswIndex::links_at_layer0() const {
  std::int64_t total = 0;
  for (std::size_t s = 0; s < slot_id_.size(); ++s)
    if (slot_id_[s] >= 0) total += links(static_cast<std::uint32_t>(s), 0)[0];
  return total;
}

const std::uint32_t* HnswIndex::read_links(std::uint32_t s, int level,
                                           std::vector<std::uint32_t>& buf) const {
  const std::uint32_t* l = links(s, level);
  if (!locks_) return l;
  std::lock_guard<std::mutex> hold(locks_[s]);
  buf.assign(l, l + 1 + l[0]);
  return buf.data();
}

std::uint32_t HnswIndex::greedy(const float* q, std::uint32_t ep, int from_level,
                                int to_level) const {
  float best = key(q, ep);
  std::vector<std::uint32_t> buf;
  for (int level = from_level; level > to_level; --level) {
    for (bool moved = true; moved;) {
      moved = false;
      const std::uint32_t* l = read_links(ep, level, buf);
      for (std::uint32_t i = 1; i <= l[0]; ++i) {
        const float k = key(q, l[i]);
        if (k < best || (k == best && l[i] < ep)) {
          best = k;
          ep = l[i];
          moved = true;
        }
      }
    }
  }
  return ep;
}

void HnswIndex::search_layer(const float* q, std::uint32_t ep, std::int64_t ef, int level,
                             Visited& vis, const Filter* filter, std::vector<Pair>& out) const {
  vis.next(slot_id_.size());
  MaxHeap top;
  MinHeap cand;
  auto allowed = [&](std::uint32_t s) { return filter == nullptr || filter->allows(slot_id_[s]); };
  const float ep_key = key(q, ep);
  vis.seen(ep);
  cand.push({ep_key, ep});
  if (allowed(ep)) top.push({ep_key, ep});
  float lower = top.empty() ? std::numeric_limits<float>::infinity() : top.top().first;
  const std::size_t want = static_cast<std::size_t>(ef);
  std::vector<std::uint32_t> buf;
  while (!cand.empty()) {
    const Pair c = cand.top();
    if (c.first > lower && top.size() >= want) break;
    cand.pop();
    const std::uint32_t* l = read_links(c.second, level, buf);
    const std::uint32_t n = l[0];
    for (std::uint32_t i = 1; i <= n; ++i) {
      if (i < n) __builtin_prefetch(vec(l[i + 1]));
      const std::uint32_t s = l[i];
      if (vis.seen(s)) continue;
      const float k = key(q, s);
      if (top.size() < want || k < lower) {
        cand.push({k, s});
        if (allowed(s)) {
          top.push({k, s});
          if (top.size() > want) top.pop();
          lower = top.top().first;
        }
      }
    }
  }
  out.resize(top.size());
  for (std::size_t i = top.size(); i-- > 0;) {
    out[i] = top.top();
    top.pop();
  }
}

std::vector<std::uint32_t> HnswIndex::select(std::vector<Pair> cands, std::int64_t m) const {
  std::sort(cands.begin(), cands.end());
  std::vector<std::uint32_t> kept;
  if (static_cast<std::int64_t>(cands.size()) <= m) {
    for (const Pair& c : cands) kept.push_back(c.second);
    return kept;
  }
  for (const Pair& c : cands) {
    if (static_cast<std::int64_t>(kept.size()) >= m) break;
    bool good = true;
    for (std::uint32_t r : kept)
      if (key(vec(c.second), r) < c.first) {
        good = false;
        break;
      }
    if (good) kept.push_back(c.second);
  }
  return kept;
}

void HnswIndex::set_links(std::uint32_t s, int level, const std::vector<std::uint32_t>& to) {
  std::uint32_t* l = links(s, level);
  l[0] = static_cast<std::uint32_t>(to.size());
  std::copy(to.begin(), to.end(), l + 1);
}

void HnswIndex::insert(std::uint32_t slot, Visited& vis) {
  const int level = levels_[slot];
  // The entry point and top level; an insert that raises the top level keeps the lock to the end
  // (in a parallel build), so no other insert starts from a half-linked top.
  std::unique_lock<std::mutex> top_lock(*entry_lock_);
  if (max_level_ < 0) {
    entry_ = slot;
    max_level_ = level;
    return;
  }
  const int top_level = max_level_;
  const std::uint32_t entry = entry_;
  if (level <= top_level) top_lock.unlock();
  const float* q = vec(slot);
  std::uint32_t ep = greedy(q, entry, top_level, level);
  std::vector<Pair> found;
  auto lock = [&](std::uint32_t s) {
    return locks_ ? std::unique_lock<std::mutex>(locks_[s]) : std::unique_lock<std::mutex>();
  };
  for (int lc = std::min(level, top_level); lc >= 0; --lc) {
    search_layer(q, ep, options_.ef_construction, lc, vis, nullptr, found);
    const std::vector<std::uint32_t> chosen = select(found, options_.M);
    {
      auto hold = lock(slot);
      set_links(slot, lc, chosen);
    }
    const std::int64_t cap = max_links(lc);
    for (std::uint32_t e : chosen) {
      auto hold = lock(e);
      std::uint32_t* l = links(e, lc);
      if (l[0] < cap) {
        l[++l[0]] = slot;
        continue;
      }
      std::vector<Pair> cands{{key(vec(e), slot), slot}};
      for (std::uint32_t i = 1; i <= l[0]; ++i) cands.push_back({key(vec(e), l[i]), l[i]});
      set_links(e, lc, select(std::move(cands), cap));
    }
    ep = chosen.empty() ? ep : chosen.front();
  }
  if (level > top_level) {  // top_lock is still held
    max_level_ = level;
    entry_ = slot;
  }
}

void HnswIndex::mark_reachable(std::uint32_t from, std::vector<std::uint8_t>& reach) const {
  if (reach[from]) return;
  reach[from] = 1;
  std::vector<std::uint32_t> stack{from};
  while (!stack.empty()) {
    const std::uint32_t s = stack.back();
    stack.pop_back();
    const std::uint32_t* l = links(s, 0);
    for (std::uint32_t i = 1; i <= l[0]; ++i)
      if (!reach[l[i]]) {
        reach[l[i]] = 1;
        stack.push_back(l[i]);
      }
  }
}

std::vector<std::uint8_t> HnswIndex::reachable() const {
  std::vector<std::uint8_t> reach(slot_id_.size(), 0);
  if (max_level_ >= 0) mark_reachable(entry_, reach);
  return reach;
}

std::int64_t HnswIndex::unreachable() const {
  const std::vector<std::uint8_t> reach = reachable();
  std::int64_t lost = 0;
  for (std::size_t s = 0; s < slot_id_.size(); ++s) lost += slot_id_[s] >= 0 && !reach[s];
  return lost;
}

void HnswIndex::connect_unreachable() {
  if (max_level_ < 0) return;
  if (!build_visited_) build_visited_ = std::make_shared<Visited>();
  std::vector<Pair> found;
  const std::uint32_t cap = static_cast<std::uint32_t>(max_links(0));
  for (int round = 0; round < kRepairRounds; ++round) {
    std::vector<std::uint8_t> reach = reachable();
    bool dropped = false;
    for (std::uint32_t u = 0; u < slot_id_.size(); ++u) {
      if (slot_id_[u] < 0 || reach[u]) continue;
      // A walk from a reached node meets only reached nodes (the set is closed under links).
      const float* q = vec(u);
      std::uint32_t ep = greedy(q, entry_, max_level_, 0);
      if (!reach[ep]) ep = entry_;
      search_layer(q, ep, options_.ef_construction, 0, *build_visited_, nullptr, found);
      std::uint32_t from = found.front().second;
      for (const Pair& p : found)
        if (links(p.second, 0)[0] < cap) {
          from = p.second;
          break;
        }
      std::uint32_t* l = links(from, 0);
      if (l[0] < cap) {
        l[++l[0]] = u;
      } else {  // every candidate is full: the nearest gives up its farthest link
        std::uint32_t far = 1;
        for (std::uint32_t i = 2; i <= l[0]; ++i)
          if (key(vec(from), l[i]) > key(vec(from), l[far])) far = i;
        l[far] = u;
        dropped = true;
      }
      mark_reachable(u, reach);
    }
    if (!dropped) return;
  }
}

void HnswIndex::add_prepared(const float* x, std::int64_t m, std::int64_t first_id) {
  MINIDL_CHECK(static_cast<std::uint64_t>(first_id + m) < kNoSlot, "hnsw: more than 2^32 - 1 ids");
  // Exact capacity: grown row by row, the arrays would keep up to twice the memory they use.
  const std::size_t new_slots =
      slot_id_.size() + static_cast<std::size_t>(
                            std::max<std::int64_t>(0, m - static_cast<std::int64_t>(free_.size())));
  nodes_.reserve(new_slots * stride_);
  slot_id_.reserve(new_slots);
  levels_.reserve(new_slots);
  std::vector<std::uint32_t> slots(static_cast<std::size_t>(m));
  for (std::int64_t i = 0; i < m; ++i) {
    std::uint32_t slot;
    if (!free_.empty()) {
      slot = free_.back();
      free_.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(slot_id_.size());
      slot_id_.push_back(-1);
      levels_.push_back(0);
      nodes_.resize(nodes_.size() + stride_);
    }
    const std::int64_t id = first_id + i;
    const int level = draw_level(id);
    slot_id_[slot] = id;
    levels_[slot] = static_cast<std::uint8_t>(level);
    slot_of_id_.emplace_back(id, slot);
    std::copy_n(x + i * dim_, dim_, nodes_.begin() + static_cast<std::ptrdiff_t>(slot * stride_));
    links(slot, 0)[0] = 0;
    if (level > 0)
      upper_[slot].assign(static_cast<std::size_t>(level * (1 + options_.M)), 0);
    else
      upper_.erase(slot);
    slots[static_cast<std::size_t>(i)] = slot;
  }
  // Every array is sized now: inserts only write link lists in place.
  std::int64_t first = 0;
  if (!build_visited_) build_visited_ = std::make_shared<Visited>();
  if (!options_.parallel_build || m < 2 * kHnswBuildGrain) {
    for (; first < m; ++first) insert(slots[static_cast<std::size_t>(first)], *build_visited_);
  } else {
    if (max_level_ < 0) insert(slots[static_cast<std::size_t>(first++)], *build_visited_);
    locks_ = std::make_unique<std::mutex[]>(slot_id_.size());
    parallel_for(m - first, kHnswBuildGrain, [&](std::int64_t b, std::int64_t e) {
      Visited vis;
      for (std::int64_t i = b; i < e; ++i) insert(slots[static_cast<std::size_t>(first + i)], vis);
    });
    locks_.reset();
  }
  size_ += m;
  connect_unreachable();
}

std::int64_t HnswIndex::remove(const std::vector<std::int64_t>& ids) {
  std::vector<std::uint8_t> gone(slot_id_.size(), 0);
  std::vector<std::uint32_t> removed;
  for (std::int64_t id : ids) {
    const std::uint32_t s = slot_of(id);
    if (s == kNoSlot || gone[s]) continue;
    gone[s] = 1;
    removed.push_back(s);
  }
  if (removed.empty()) return 0;
  // New link lists of every node that linked to a removed one, computed on the old graph, then
  // applied (so the repair does not depend on the order nodes are visited).
  struct Repair {
    std::uint32_t slot;
    int level;
    std::vector<std::uint32_t> links;
  };
  std::vector<Repair> repairs;
  for (std::uint32_t s = 0; s < slot_id_.size(); ++s) {
    if (slot_id_[s] < 0 || gone[s]) continue;
    for (int lc = 0; lc <= levels_[s]; ++lc) {
      const std::uint32_t* l = links(s, lc);
      bool hit = false;
      for (std::uint32_t i = 1; i <= l[0] && !hit; ++i) hit = gone[l[i]] != 0;
      if (!hit) continue;
      std::vector<std::uint32_t> pool;
      for (std::uint32_t i = 1; i <= l[0]; ++i) {
        if (!gone[l[i]]) {
          pool.push_back(l[i]);
          continue;
        }
        const std::uint32_t* l2 = links(l[i], lc);
        for (std::uint32_t j = 1; j <= l2[0]; ++j)
          if (!gone[l2[j]] && l2[j] != s) pool.push_back(l2[j]);
      }
      std::sort(pool.begin(), pool.end());
      pool.erase(std::unique(pool.begin(), pool.end()), pool.end());
      std::vector<Pair> cands;
      for (std::uint32_t c : pool) cands.push_back({key(vec(s), c), c});
      repairs.push_back({s, lc, select(std::move(cands), max_links(lc))});
    }
  }
  for (const Repair& r : repairs) set_links(r.slot, r.level, r.links);
  std::erase_if(slot_of_id_, [&](const auto& e) { return gone[e.second] != 0; });
  for (std::uint32_t s : removed) {
    slot_id_[s] = -1;
    upper_.erase(s);
    links(s, 0)[0] = 0;
    free_.push_back(s);
  }
  // Reuse the lowest slots first.
  std::sort(free_.begin(), free_.end(), std::greater<>());
  size_ -= static_cast<std::int64_t>(removed.size());
  if (gone[entry_]) {
    max_level_ = -1;
    for (std::uint32_t s = 0; s < slot_id_.size(); ++s)
      if (slot_id_[s] >= 0 && levels_[s] > max_level_) {
        max_level_ = levels_[s];
        entry_ = s;
      }
  }
  connect_unreachable();
  return static_cast<std::int64_t>(removed.size());
}

void HnswIndex::search_prepared(const float* q, std::int64_t nq, std::int64_t k,
                                const Filter& filter, std::int64_t* ids, float* keys) const {
  const std::int64_t ef = std::max(options_.ef, k);
  parallel_for(nq, kHnswQueryGrain, [&](std::int64_t b, std::int64_t e) {
    Visited vis;
    std::vector<Pair> found;
    for (std::int64_t i = b; i < e; ++i) {
      TopK heap(k, keys + i * k, ids + i * k);
      if (max_level_ >= 0) {
        const float* qi = q + i * dim_;
        const std::uint32_t ep = greedy(qi, entry_, max_level_, 0);
        search_layer(qi, ep, ef, 0, vis, filter.all() ? nullptr : &filter, found);
        for (const Pair& p : found) heap.push(p.first, slot_id_[p.second]);
      }
      heap.finish();
    }
  });
}

}  // namespace minidl::index
