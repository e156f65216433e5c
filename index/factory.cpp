// The run-time maker of index/factory.h.
#include "index/factory.h"

namespace minidl::index {

std::unique_ptr<Index> create_index(const IndexSpec& spec, std::int64_t dim) {
  if (spec.kind == "exact") return std::make_unique<ExactIndex>(dim, spec.metric);
  if (spec.kind == "kdtree") return std::make_unique<KdTreeIndex>(dim, spec.metric, spec.kdtree);
  if (spec.kind == "ivf") return std::make_unique<IvfIndex>(dim, spec.metric, spec.ivf);
  if (spec.kind == "lsh") return std::make_unique<LshIndex>(dim, spec.metric, spec.lsh);
  if (spec.kind == "hnsw") return std::make_unique<HnswIndex>(dim, spec.metric, spec.hnsw);
  MINIDL_FAIL("create_index: unknown kind '", spec.kind,
              "' (expected exact, kdtree, ivf, lsh or hnsw)");
}

}  // namespace minidl::index
