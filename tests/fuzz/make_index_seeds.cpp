// Writes the seed corpus of index_fuzz: one small saved index per kind (and per metric for the
// exact one), over 24 seeded 4-d rows with one row removed so deletion state is saved too:
// make_index_seeds <directory>.
#include <cstdio>
#include <string>

#include "index/factory.h"
#include "tensor/random.h"

using namespace minidl;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_index_seeds <directory>\n");
    return 2;
  }
  const std::string dir = argv[1];
  Generator gen{3};
  const Tensor x = randn({24, 4}, gen);
  auto write = [&](index::IndexSpec spec, const std::string& name) {
    auto idx = index::create_index(spec, 4);
    idx->add(x);
    idx->remove({5});
    idx->save(dir + "/" + name);
  };
  index::IndexSpec spec;
  for (const char* kind : {"exact", "kdtree", "lsh", "hnsw"}) {
    spec.kind = kind;
    spec.hnsw.M = 4;
    spec.hnsw.ef_construction = 16;
    spec.lsh.tables = 2;
    spec.lsh.bits = 4;
    write(spec, kind);
  }
  spec.kind = "ivf";
  spec.ivf.nlist = 4;
  spec.ivf.nprobe = 2;
  write(spec, "ivf");
  spec.kind = "exact";
  spec.metric = index::Metric::kCosine;
  write(spec, "exact_cosine");
  return 0;
}
