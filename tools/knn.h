// `minidl knn`: build an index from a file of vectors, query it, report recall against exact
// search (tools/knn.cpp).
//
//   minidl knn BASE [--queries Q] [--index hnsw] [--metric l2] [-k 10] [index options]
//              [--save FILE] [--load FILE] [--out IDS.npy] [--no-exact] [--threads T]
// BASE and Q are .npy (float32/float64 [N, D]) or IDX files (Fashion-MNIST's; pixels scaled to
// [0, 1], images flattened to rows). Without --queries the first min(1000, N) base rows query.
// Prints build time, search time, queries per second, memory, and recall@k against exact search
// (which it runs too, unless --no-exact).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "index/factory.h"
#include "tensor/tensor.h"

namespace minidl::tools {

struct KnnOptions {
  std::string base, queries;
  index::IndexSpec spec;
  std::int64_t k = 10;
  std::string save, load, out;
  bool exact = true;
};

struct KnnReport {
  double build_seconds = 0, search_seconds = 0, exact_seconds = 0;
  double recall = -1;  // -1 without exact search
  std::int64_t num_base = 0, num_queries = 0;
  std::size_t memory_bytes = 0;
};

// Vectors from a .npy or IDX file as float32 [N, D].
Tensor load_vectors(const std::string& path);
// Runs the command, printing its table to out.
KnnReport run_knn(const KnnOptions& options, std::ostream& out);

}  // namespace minidl::tools
