// HNSW: hierarchical navigable small-world graphs (layer 2, namespace minidl::index; interface in
// index/index.h). Malkov & Yashunin 2018, "Efficient and robust approximate nearest neighbor
// search using Hierarchical Navigable Small World graphs" (Algorithms 1, 2, 4, 5), laid out as
// hnswlib lays it out.
//
// Graph: every vector is a node with a level l = floor(-ln(u) / ln(M)), u uniform in (0, 1]
// drawn from (seed, id) alone (so a node's level does not depend on insertion order or threads).
// Layer 0 holds every node with up to M0 = 2 M links; layer j > 0 the nodes of level >= j with up
// to M links. The entry point is a node of the top level.
// Insert (Algorithm 1): greedy descent (ef = 1) from the entry point to level l + 1; then on each
// layer l..0 a beam search with ef_construction candidates (Algorithm 2), the heuristic selection
// (Algorithm 4, as hnswlib: candidate c, nearest first, is kept only if it is nearer to the new
// node than to every already-kept neighbour, which keeps links in several directions rather
// than all into one cluster) picks M neighbours, links go both ways, and a neighbour over its
// limit re-selects its own links by the same heuristic.
// Reachability repair (after every add and remove): heuristic pruning may drop a node's last
// in-link (a neighbour re-selecting its full list keeps the new node and forgets an old one; in a
// parallel build, two nodes inserted at once also never see each other), leaving nodes no search
// can return: 0-5 in 200 after a parallel build, and sequential builds too (hnswlib has the same
// gap).
// So a pass walks layer 0 from the entry point and links each node it did not reach from its
// nearest reached node that has room (a beam search from the entry point with ef_construction
// finds them; only if all are full does the nearest drop its farthest link for it, and the walk
// repeats until every node is reached, at most kRepairRounds times). Deterministic: it keeps the
// single-threaded build reproducible. Cost: one walk, O(N M), plus a search per lost node.
// Search (Algorithm 5): greedy descent to layer 1, beam search with max(ef, k) on layer 0.
// Keys are the index's (squared L2, or -dot for cosine / inner product); ties by node slot.
// Filtered search walks through every node but keeps only allowed ones in the result beam, and
// keeps exploring until it holds max(ef, k) allowed nodes (hnswlib's rule), so a restrictive
// filter costs more but still returns k results when the graph reaches them.
// Removal: each removed node leaves the graph for good. Every node that linked to it (found by
// one pass over the links, since links are directed) re-selects its links by the heuristic from
// its remaining links plus the removed nodes' other links (the two-hop repair of hnswlib's
// updatePoint); a removed entry point is replaced by a remaining node of the top level. The
// slot (vector and links) is reused by the next add, so memory does not grow with churn.
// Reproducibility: the default build is single-threaded, and everything in it (levels, visiting
// order, heaps ordered by (key, slot)) is deterministic, so the same adds give a bit-identical
// graph and file on a given CPU. parallel_build = true inserts the rows of one add() on oneTBB
// workers as hnswlib does (a mutex per node guards its link lists, readers copy a list under
// it; an insert that raises the top level holds the entry-point lock throughout): faster on
// several cores, and NOT reproducible: which node sees which neighbours depends on thread timing,
// so two builds give different graphs (of the same quality). Searches run in parallel over
// queries and never change the graph.
// Memory: vectors D x 4 bytes, plus per node (1 + M0) x 4 bytes of layer-0 links (stored right
// after the node's vector, so a visit reads one contiguous block), an 8-byte id, a
// level byte, a 4-byte slot of the id, and M x 4 bytes per upper level (about 1/M of nodes).
#pragma once

#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "index/index.h"

namespace minidl::index {

struct HnswOptions {
  std::int64_t M = 16;                 // links per node on upper layers (2 M on layer 0)
  std::int64_t ef_construction = 200;  // beam width while inserting
  std::int64_t ef = 50;                // beam width of a search (at least k is used)
  std::uint64_t seed = 0;              // levels
  bool parallel_build = false;         // insert on all cores; the graph is then not reproducible
};

class HnswIndex : public Index {
 public:
  HnswIndex(std::int64_t dim, Metric metric = Metric::kL2, HnswOptions options = {});
  const char* kind() const override { return "hnsw"; }
  std::int64_t size() const override { return size_; }
  std::size_t memory_bytes() const override;
  std::int64_t remove(const std::vector<std::int64_t>& ids) override;
  const HnswOptions& options() const { return options_; }
  void set_ef(std::int64_t ef);
  // The level of a stored id (tests), -1 if absent.
  std::int64_t level_of(std::int64_t id) const;
  // Layer-0 out-degree summed over nodes (tests: the graph's size).
  std::int64_t links_at_layer0() const;
  // Stored nodes that no layer-0 walk from the entry point reaches (0 after every add and
  // remove: the reachability repair sees to it).
  std::int64_t unreachable() const;

 protected:
  void add_prepared(const float* x, std::int64_t m, std::int64_t first_id) override;
  void search_prepared(const float* q, std::int64_t nq, std::int64_t k, const Filter& filter,
                       std::int64_t* ids, float* keys) const override;
  void save_body(Writer& w) const override;
  void load_body(Reader& r) override;

 private:
  using Pair = std::pair<float, std::uint32_t>;  // (key, slot)
  struct Visited;
  static constexpr std::uint32_t kNoSlot = 0xFFFFFFFFu;  // slot_of_id_ of an absent id
  static constexpr int kMaxLevel = 30;

  std::int64_t max_links(int level) const { return level == 0 ? 2 * options_.M : options_.M; }
  const float* vec(std::uint32_t s) const { return nodes_.data() + std::size_t{s} * stride_; }
  std::uint32_t* links(std::uint32_t s, int level);
  const std::uint32_t* links(std::uint32_t s, int level) const;
  float key(const float* q, std::uint32_t s) const;
  int draw_level(std::int64_t id) const;
  // The links of s at level, copied under s's lock while a parallel build runs.
  const std::uint32_t* read_links(std::uint32_t s, int level,
                                  std::vector<std::uint32_t>& buf) const;
  std::uint32_t greedy(const float* q, std::uint32_t ep, int from_level, int to_level) const;
  void search_layer(const float* q, std::uint32_t ep, std::int64_t ef, int level, Visited& vis,
                    const Filter* filter, std::vector<Pair>& top) const;
  // The heuristic selection of at most m of cands (keys relative to the base node), nearest
  // first.
  std::vector<std::uint32_t> select(std::vector<Pair> cands, std::int64_t m) const;
  void set_links(std::uint32_t s, int level, const std::vector<std::uint32_t>& to);
  void insert(std::uint32_t slot, Visited& vis);
  // Marks in reach every node a layer-0 walk from `from` meets that is not marked yet.
  void mark_reachable(std::uint32_t from, std::vector<std::uint8_t>& reach) const;
  std::vector<std::uint8_t> reachable() const;
  void connect_unreachable();

  HnswOptions options_;
  std::int64_t size_ = 0;
  // Per slot, contiguous (hnswlib's layout: a visit touches one block): the vector (D floats),
  // then the layer-0 links (count, then up to 2M slots, stored as uint32 in the float array).
  std::vector<float> nodes_;
  std::size_t stride_ = 0;                                               // D + 1 + 2M
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> upper_;  // [level-1][1 + M]
  std::vector<std::int64_t> slot_id_;  // id of each slot, -1 when free
  std::vector<std::uint8_t> levels_;   // level of each slot
  // (id, slot) of every stored node, ascending by id (ids are issued ascending, so an add appends).
  // Sized by the nodes stored, not by the ids ever issued: a loaded file cannot make it allocate
  // more than its own contents justify.
  std::vector<std::pair<std::int64_t, std::uint32_t>> slot_of_id_;
  std::uint32_t slot_of(std::int64_t id) const;  // kNoSlot when absent
  std::vector<std::uint32_t> free_;              // slots to reuse, taken from the back
  std::shared_ptr<Visited> build_visited_;       // reused by every insert (one O(slots) array)
  std::unique_ptr<std::mutex[]> locks_;          // one per slot, during a parallel build only
  std::unique_ptr<std::mutex> entry_lock_ = std::make_unique<std::mutex>();
  std::uint32_t entry_ = 0;
  int max_level_ = -1;  // -1: empty graph
};

}  // namespace minidl::index
