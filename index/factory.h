// One description of any index (kind, metric and every kind's options) and a maker, for
// programs that pick an index at run time: the `minidl knn` tool, the bench, the examples.
#pragma once

#include <memory>
#include <string>

#include "index/exact.h"
#include "index/hnsw.h"
#include "index/ivf.h"
#include "index/kd_tree.h"
#include "index/lsh.h"

namespace minidl::index {

struct IndexSpec {
  std::string kind = "hnsw";  // exact, kdtree, ivf, lsh, hnsw
  Metric metric = Metric::kL2;
  KdTreeOptions kdtree;
  IvfOptions ivf;
  LshOptions lsh;
  HnswOptions hnsw;
};

// An empty index of dimension dim; an unknown kind is an error listing the known ones.
std::unique_ptr<Index> create_index(const IndexSpec& spec, std::int64_t dim);

}  // namespace minidl::index
