// libFuzzer target: the index file reader (index/index.h) for every kind (exact, kdtree, ivf,
// lsh, hnsw). A file that loads must also answer a search: a loaded graph, tree or list that
// points outside its arrays is the reader's bug even when the bytes parsed, so each loaded index
// is queried with two rows (k = 3, more than a tiny index holds).
#include <algorithm>

#include "index/index.h"
#include "tensor/ops.h"
#include "tests/fuzz/fuzz_util.h"

using namespace minidl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  fuzz::expect_error_or_success([&] {
    auto index = index::Index::decode(fuzz::bytes_of(data, size), "fuzz.index");
    const std::int64_t dim = index->dim();
    if (dim > 4096) return;  // a valid but wide index: the search is not what is being fuzzed
    Tensor q = ones({2, dim});
    index->search(q, 3);
  });
  return 0;
}
