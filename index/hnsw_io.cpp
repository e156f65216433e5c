// HNSW files: save_body / load_body of index/hnsw.h (the format in index/index.h: a versioned
// header, then these fields; every parameter kept, every array checked on load).
#include <algorithm>
#include <cmath>

#include "index/detail.h"
#include "index/hnsw.h"

namespace minidl::index {

void HnswIndex::save_body(Writer& w) const {
  w.put(options_.M);
  w.put(options_.ef_construction);
  w.put(options_.ef);
  w.put(options_.seed);
  w.put<std::uint8_t>(options_.parallel_build ? 1 : 0);
  w.put(size_);
  w.put(entry_);
  w.put(max_level_);
  // The file keeps vectors and layer-0 links as two arrays (independent of the memory layout).
  const std::size_t slots = slot_id_.size(), stride0 = static_cast<std::size_t>(1 + 2 * options_.M);
  std::vector<float> vectors(slots * static_cast<std::size_t>(dim_));
  std::vector<std::uint32_t> links0(slots * stride0);
  for (std::uint32_t s = 0; s < slots; ++s) {
    std::copy_n(vec(s), dim_, vectors.begin() + static_cast<std::ptrdiff_t>(s * dim_));
    std::copy_n(links(s, 0), stride0, links0.begin() + static_cast<std::ptrdiff_t>(s * stride0));
  }
  w.put_vec(vectors);
  w.put_vec(links0);
  w.put_vec(slot_id_);
  w.put_vec(levels_);
  w.put_vec(free_);
  // Upper layers in slot order, so the file does not depend on the hash map's order.
  for (std::uint32_t s = 0; s < slot_id_.size(); ++s)
    if (slot_id_[s] >= 0 && levels_[s] > 0) w.put_vec(upper_.at(s));
}

void HnswIndex::load_body(Reader& r) {
  options_.M = r.get<std::int64_t>("M");
  options_.ef_construction = r.get<std::int64_t>("ef_construction");
  options_.ef = r.get<std::int64_t>("ef");
  options_.seed = r.get<std::uint64_t>("seed");
  const auto parallel = r.get<std::uint8_t>("parallel_build");
  r.check(parallel <= 1, "hnsw parallel_build flag ", int{parallel}, " is not 0 or 1");
  options_.parallel_build = parallel == 1;
  r.check(options_.M >= 2 && options_.M <= 1024, "hnsw M ", options_.M, " not in [2, 1024]");
  r.check(options_.ef_construction >= 1 && options_.ef >= 1, "hnsw ef values must be >= 1");
  size_ = r.get<std::int64_t>("size");
  entry_ = r.get<std::uint32_t>("entry");
  max_level_ = r.get<int>("max_level");
  const std::vector<float> vectors = r.get_vec<float>("vectors");
  const std::vector<std::uint32_t> links0 = r.get_vec<std::uint32_t>("layer-0 links");
  slot_id_ = r.get_vec<std::int64_t>("slot ids");
  levels_ = r.get_vec<std::uint8_t>("levels");
  free_ = r.get_vec<std::uint32_t>("free slots");
  const std::size_t slots = slot_id_.size();
  const auto stride0 = static_cast<std::size_t>(1 + 2 * options_.M);
  r.check(vectors.size() == slots * static_cast<std::size_t>(dim_) &&
              links0.size() == slots * stride0 && levels_.size() == slots,
          "hnsw arrays disagree on the number of slots (", slots, ")");
  for (float v : vectors) r.check(std::isfinite(v), "a stored vector is not finite");
  stride_ = static_cast<std::size_t>(dim_) + stride0;
  nodes_.assign(slots * stride_, 0.0f);
  for (std::uint32_t s = 0; s < slots; ++s) {
    std::copy_n(vectors.begin() + static_cast<std::ptrdiff_t>(s * dim_), dim_,
                nodes_.begin() + static_cast<std::ptrdiff_t>(s * stride_));
    std::copy_n(links0.begin() + static_cast<std::ptrdiff_t>(s * stride0), stride0, links(s, 0));
  }
  r.check(max_level_ >= -1 && max_level_ <= kMaxLevel, "hnsw max_level ", max_level_);
  r.check((max_level_ < 0) == (size_ == 0), "hnsw max_level ", max_level_, " with ", size_,
          " stored nodes");
  r.check(size_ == 0 || (entry_ < slots && slot_id_[entry_] >= 0), "hnsw entry point ", entry_,
          " is not a stored node");
  // A search starts at the entry point on max_level and walks its links down every layer: an
  // entry below max_level has no link lists there (found by index_fuzz: a read past them).
  r.check(size_ == 0 || levels_[entry_] == max_level_, "hnsw entry point ", entry_, " has level ",
          size_ == 0 ? 0 : int{levels_[entry_]}, ", not max_level ", max_level_);
  slot_of_id_.clear();
  std::int64_t stored = 0;
  upper_.clear();
  for (std::uint32_t s = 0; s < slots; ++s) {
    if (slot_id_[s] < 0) continue;
    ++stored;
    r.check(slot_id_[s] < next_id_, "hnsw id ", slot_id_[s], " not below next_id ", next_id_);
    r.check(levels_[s] <= max_level_, "hnsw node level above max_level");
    slot_of_id_.emplace_back(slot_id_[s], s);
    if (levels_[s] > 0) {
      upper_[s] = r.get_vec<std::uint32_t>("upper links");
      r.check(upper_[s].size() == static_cast<std::size_t>(levels_[s] * (1 + options_.M)),
              "hnsw upper links of slot ", s, " have the wrong size");
    }
    for (int lc = 0; lc <= levels_[s]; ++lc) {
      const std::uint32_t* l = links(s, lc);
      r.check(l[0] <= max_links(lc), "hnsw slot ", s, " has ", l[0], " links at layer ", lc);
      for (std::uint32_t i = 1; i <= l[0]; ++i)
        r.check(l[i] < slots && slot_id_[l[i]] >= 0 && levels_[l[i]] >= lc, "hnsw slot ", s,
                " links to ", l[i], ", not a node of layer ", lc);
    }
  }
  r.check(stored == size_, "hnsw size ", size_, " but ", stored, " stored nodes");
  std::sort(slot_of_id_.begin(), slot_of_id_.end());
  for (std::size_t i = 1; i < slot_of_id_.size(); ++i)
    r.check(slot_of_id_[i - 1].first != slot_of_id_[i].first, "hnsw id ", slot_of_id_[i].first,
            " stored twice");
  for (std::uint32_t s : free_)
    r.check(s < slots && slot_id_[s] < 0, "hnsw free slot ", s, " is in use");
}

}  // namespace minidl::index
