// What every index kind promises (index/index.h), checked for each: save/load round trips give
// the same answers and keep every parameter, removed ids never come back, filters hold, and
// malformed files are clear errors.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <memory>

#include "index/exact.h"
#include "index/hnsw.h"
#include "index/ivf.h"
#include "index/kd_tree.h"
#include "index/lsh.h"
#include "index/test_util.h"
#include "tensor/file_util.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::index;
using namespace minidl::index::testing;

namespace {

std::vector<std::unique_ptr<Index>> every_kind(std::int64_t d) {
  std::vector<std::unique_ptr<Index>> v;
  v.push_back(std::make_unique<ExactIndex>(d, Metric::kL2));
  v.push_back(std::make_unique<KdTreeIndex>(d, Metric::kSquaredL2,
                                            KdTreeOptions{.leaf_size = 5, .max_dim = 9}));
  v.push_back(std::make_unique<IvfIndex>(d, Metric::kCosine,
                                         IvfOptions{.nlist = 7, .nprobe = 3, .seed = 5}));
  v.push_back(std::make_unique<LshIndex>(
      d, Metric::kL2, LshOptions{.tables = 6, .bits = 5, .probes = 1, .seed = 9}));
  v.push_back(std::make_unique<LshIndex>(d, Metric::kInnerProduct, LshOptions{.bits = 7}));
  v.push_back(std::make_unique<HnswIndex>(
      d, Metric::kL2, HnswOptions{.M = 5, .ef_construction = 30, .ef = 20, .seed = 11}));
  return v;
}

std::string temp_path(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("minidl_index_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace

TEST_CASE("index: save/load round trips give the same answers, ids and parameters") {
  const Tensor base = blobs(1500, 6, 5, 80), queries = blobs(25, 6, 5, 81);
  for (auto& index : every_kind(6)) {
    INFO(index->kind());
    index->add(base);
    index->remove({3, 4, 5});
    const SearchResult before = index->search(queries, 7);
    const std::string path = temp_path(std::string(index->kind()) + ".idx");
    index->save(path);
    const std::unique_ptr<Index> back = Index::load(path);
    CHECK(std::string(back->kind()) == index->kind());
    CHECK(back->metric() == index->metric());
    CHECK(back->dim() == 6);
    CHECK(back->size() == index->size());
    CHECK(back->next_id() == index->next_id());
    const SearchResult after = back->search(queries, 7);
    CHECK(minidl::testing::bitwise_equal(before.indices, after.indices));
    CHECK(minidl::testing::bitwise_equal(before.distances, after.distances));
    if (auto* kd = dynamic_cast<KdTreeIndex*>(back.get())) {
      CHECK(kd->options().leaf_size == 5);
      CHECK(kd->options().max_dim == 9);
    }
    if (auto* lsh = dynamic_cast<LshIndex*>(back.get())) {
      const auto* orig = dynamic_cast<LshIndex*>(index.get());
      CHECK(lsh->options().tables == orig->options().tables);
      CHECK(lsh->options().bits == orig->options().bits);
      CHECK(lsh->options().probes == orig->options().probes);
      CHECK(lsh->options().bucket_width == orig->options().bucket_width);
      CHECK(lsh->options().seed == orig->options().seed);
    }
    if (auto* h = dynamic_cast<HnswIndex*>(back.get())) {
      CHECK(h->options().M == 5);
      CHECK(h->options().ef_construction == 30);
      CHECK(h->options().ef == 20);
      CHECK(h->options().seed == 11);
    }
    if (auto* ivf = dynamic_cast<IvfIndex*>(back.get())) {
      CHECK(ivf->options().nlist == 7);
      CHECK(ivf->options().nprobe == 3);
      CHECK(ivf->options().seed == 5);
    }
    CHECK(back->add(queries.narrow_rows(0, 1)) == 1500);
  }
}

TEST_CASE("index: removed ids never come back and filters hold for every kind") {
  const Tensor base = blobs(1200, 5, 4, 82), queries = blobs(20, 5, 4, 83);
  for (auto& index : every_kind(5)) {
    INFO(index->kind());
    index->add(base);
    std::vector<std::int64_t> gone;
    for (std::int64_t i = 0; i < 1200; i += 4) gone.push_back(i);
    CHECK(index->remove(gone) == 300);
    CHECK(index->size() == 900);
    std::vector<std::int64_t> allowed;
    for (std::int64_t i = 0; i < 1200; ++i)
      if (i % 7 < 3) allowed.push_back(i);
    const SearchResult r = index->search(queries, 10, Filter::allow_ids(allowed));
    for (std::int64_t id : r.indices.values<std::int64_t>()) {
      CHECK(id % 4 != 0);
      CHECK(id % 7 < 3);
    }
  }
}

TEST_CASE("index: malformed index files are clear errors naming the file") {
  ExactIndex index(3);
  index.add(blobs(50, 3, 2, 84));
  const std::string path = temp_path("good.idx");
  index.save(path);
  const std::string good = read_file(path);
  auto load_bytes = [&](const std::string& bytes) {
    const std::string p = temp_path("bad.idx");
    write_file_atomic(p, bytes);
    return error_of([&] { Index::load(p); });
  };
  CHECK(load_bytes("hello").find("not a minidl index file") != std::string::npos);
  CHECK(load_bytes(good.substr(0, good.size() - 5)).find("vectors says 150 entries but only") !=
        std::string::npos);
  CHECK(load_bytes(good + "x").find("1 bytes after the end") != std::string::npos);
  std::string v = good;
  v[8] = 9;
  CHECK(load_bytes(v).find("file version 9") != std::string::npos);
  std::string kind = good;
  kind.replace(kind.find("exact"), 5, "nopee");
  CHECK(load_bytes(kind).find("unknown index kind 'nopee'") != std::string::npos);
  CHECK(load_bytes(good).find("no minidl::Error") != std::string::npos);
  CHECK(error_of([] { Index::load("/nonexistent/x.idx"); }).find("/nonexistent/x.idx") !=
        std::string::npos);
}

TEST_CASE("index: every truncation of every kind's file is a clear error") {
  const Tensor base = blobs(300, 4, 3, 85);
  for (auto& index : every_kind(4)) {
    INFO(index->kind());
    index->add(base);
    index->remove({7});
    const std::string path = temp_path(std::string("trunc_") + index->kind() + ".idx");
    index->save(path);
    const std::string good = read_file(path);
    std::int64_t errors = 0, tried = 0;
    for (std::size_t cut = 0; cut < good.size(); cut += 1 + good.size() / 97) {
      write_file_atomic(path, good.substr(0, cut));
      ++tried;
      errors += error_of([&] { Index::load(path); }).find("index load: ") != std::string::npos;
    }
    CHECK(errors == tried);
  }
}

// Found by the index_fuzz target: a file's claims cost memory and time only in proportion to what
// the file holds. An HNSW file whose next_id says 2^40 made the loader allocate a 4-byte slot per
// id ever issued (a 4 TiB table; it now keeps one entry per stored node); an LSH file claiming a
// dimension of 2^24 drew tables x bits x 2^24 normals before its body was read (now the loader
// reads the projections from the file and rejects the short body at once).
TEST_CASE("index: a file's header claims never cost more than the file holds") {
  const Tensor base = blobs(40, 3, 2, 86);
  HnswIndex hnsw(3, Metric::kL2, HnswOptions{.M = 4, .ef_construction = 16});
  hnsw.add(base);
  const std::string path = temp_path("claims.idx");
  hnsw.save(path);
  std::string bytes = read_file(path);
  // The common header: magic (8), version (4), kind (8-byte length + "hnsw"), dim (8), metric (1),
  // then next_id.
  const std::size_t next_id_at = 8 + 4 + 8 + 4 + 8 + 1;
  std::int64_t next_id = 0;
  std::memcpy(&next_id, bytes.data() + next_id_at, 8);
  REQUIRE(next_id == 40);
  next_id = std::int64_t{1} << 40;
  std::memcpy(bytes.data() + next_id_at, &next_id, 8);
  write_file_atomic(path, bytes);
  auto back = Index::load(path);
  CHECK(back->next_id() == next_id);
  CHECK(back->search(base, 1).indices.data<std::int64_t>()[5] == 5);
  CHECK(error_of([&] { back->add(base); }).find("2^32") != std::string::npos);

  LshIndex lsh(3, Metric::kL2, LshOptions{.tables = 2, .bits = 3});
  lsh.add(base);
  lsh.save(path);
  bytes = read_file(path);
  const std::size_t dim_at = 8 + 4 + 8 + 3;
  std::int64_t dim = std::int64_t{1} << 24;
  std::memcpy(bytes.data() + dim_at, &dim, 8);
  write_file_atomic(path, bytes);
  CHECK(error_of([&] { Index::load(path); }).find("index load: ") != std::string::npos);
}

// Found by the index_fuzz smoke in CI: an HNSW file whose max_level is above its entry point's
// level loaded, and the first search walked link lists the entry point does not have (a heap
// read past them under ASan, garbage in a release build).
TEST_CASE("index: an HNSW file whose entry point is not on max_level is a clear error") {
  HnswIndex hnsw(3, Metric::kL2, HnswOptions{.M = 4, .ef_construction = 16});
  hnsw.add(blobs(40, 3, 2, 87));
  const std::string path = temp_path("entry.idx");
  hnsw.save(path);
  std::string bytes = read_file(path);
  // Common header (41 bytes: magic, version, kind "hnsw", dim, metric, next_id), then M, efC, ef,
  // seed (8 each), parallel_build (1), size (8), entry (4), max_level (4).
  const std::size_t max_level_at = 41 + 4 * 8 + 1 + 8 + 4;
  std::int32_t level = 0;
  std::memcpy(&level, bytes.data() + max_level_at, 4);
  REQUIRE(level >= 0);
  REQUIRE(level < 8);
  ++level;
  std::memcpy(bytes.data() + max_level_at, &level, 4);
  write_file_atomic(path, bytes);
  CHECK(error_of([&] { Index::load(path); }).find("not max_level") != std::string::npos);
}
