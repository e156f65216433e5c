// `minidl knn` (usage in tools/knn.h).
#include "tools/knn.h"

#include <chrono>
#include <cstdio>
#include <ostream>

#include "data/idx.h"
#include "data/npy.h"

namespace minidl::tools {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string params(const index::Index& idx) {
  char buf[160];
  const std::string kind = idx.kind();
  if (auto* h = dynamic_cast<const index::HnswIndex*>(&idx)) {
    std::snprintf(buf, sizeof buf, "M=%lld efC=%lld ef=%lld", (long long)h->options().M,
                  (long long)h->options().ef_construction, (long long)h->options().ef);
  } else if (auto* v = dynamic_cast<const index::IvfIndex*>(&idx)) {
    std::snprintf(buf, sizeof buf, "nlist=%lld nprobe=%lld", (long long)v->options().nlist,
                  (long long)v->options().nprobe);
  } else if (auto* l = dynamic_cast<const index::LshIndex*>(&idx)) {
    std::snprintf(buf, sizeof buf, "tables=%lld bits=%lld probes=%lld w=%.3g",
                  (long long)l->options().tables, (long long)l->options().bits,
                  (long long)l->options().probes, l->options().bucket_width);
  } else if (auto* t = dynamic_cast<const index::KdTreeIndex*>(&idx)) {
    std::snprintf(buf, sizeof buf, "leaf=%lld %s", (long long)t->options().leaf_size,
                  t->uses_tree() ? "tree" : "fallback: exact scan");
  } else {
    buf[0] = '\0';
  }
  return buf;
}

}  // namespace

Tensor load_vectors(const std::string& path) {
  const bool npy = path.size() >= 4 && path.substr(path.size() - 4) == ".npy";
  Tensor t =
      npy ? data::read_npy(path) : data::read_idx(path, {.dtype = kFloat32, .scale = 1.0 / 255});
  MINIDL_CHECK(t.dim() >= 2 && t.size(0) > 0, "knn: ", path, " must hold rows [N, D...], got ",
               shape_str(t.shape()));
  return t.to(kFloat32).reshape({t.size(0), t.numel() / t.size(0)});
}

KnnReport run_knn(const KnnOptions& o, std::ostream& out) {
  MINIDL_CHECK(o.k >= 1, "knn: k must be >= 1, got ", o.k);
  const Tensor base = load_vectors(o.base);
  const Tensor queries = o.queries.empty()
                             ? base.narrow_rows(0, std::min<std::int64_t>(1000, base.size(0)))
                             : load_vectors(o.queries);
  KnnReport rep;
  rep.num_base = base.size(0);
  rep.num_queries = queries.size(0);
  std::unique_ptr<index::Index> idx;
  auto t0 = std::chrono::steady_clock::now();
  if (!o.load.empty()) {
    idx = index::Index::load(o.load);
  } else {
    idx = index::create_index(o.spec, base.size(1));
    idx->add(base);
  }
  rep.build_seconds = seconds_since(t0);
  if (auto* h = dynamic_cast<index::HnswIndex*>(idx.get()); h && o.load.empty())
    h->set_ef(o.spec.hnsw.ef);
  t0 = std::chrono::steady_clock::now();
  const index::SearchResult r = idx->search(queries, o.k);
  rep.search_seconds = seconds_since(t0);
  rep.memory_bytes = idx->memory_bytes();
  if (o.exact) {
    t0 = std::chrono::steady_clock::now();
    const index::SearchResult e = index::exact_search(base, queries, o.k, idx->metric());
    rep.exact_seconds = seconds_since(t0);
    rep.recall = index::recall_at_k(r.indices, e.indices);
  }
  if (!o.save.empty()) idx->save(o.save);
  if (!o.out.empty()) data::write_npy(o.out, r.indices);
  char line[512];
  std::snprintf(line, sizeof line,
                "%s (%s) %s, %lld base x %lld queries, D = %lld, k = %lld\n"
                "  %s: %.3f s, search %.3f s (%.0f queries/s), memory %.1f MB\n",
                idx->kind(), params(*idx).c_str(), index::metric_name(idx->metric()),
                (long long)rep.num_base, (long long)rep.num_queries, (long long)base.size(1),
                (long long)o.k, o.load.empty() ? "build" : "load", rep.build_seconds,
                rep.search_seconds, rep.num_queries / std::max(rep.search_seconds, 1e-9),
                rep.memory_bytes / 1048576.0);
  out << line;
  if (o.exact) {
    std::snprintf(line, sizeof line, "  recall@%lld against exact search: %.4f (exact: %.3f s)\n",
                  (long long)o.k, rep.recall, rep.exact_seconds);
    out << line;
  }
  return rep;
}

}  // namespace minidl::tools
