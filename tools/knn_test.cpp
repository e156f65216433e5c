// Tests for tools/knn.cpp: the `minidl knn` pipeline on a small .npy file (exact recall is 1,
// HNSW close to it, save then load answers the same), and its input errors.
#include "tools/knn.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

#include "data/npy.h"
#include "tensor/random.h"

using namespace minidl;

namespace {

std::string temp_path(const std::string& name) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("minidl_knn_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

}  // namespace

TEST_CASE("knn tool: builds, queries, reports recall; save and load agree") {
  Generator g(5);
  const std::string base = temp_path("base.npy"), queries = temp_path("q.npy");
  data::write_npy(base, randn({800, 12}, g));
  data::write_npy(queries, randn({50, 12}, g));
  tools::KnnOptions o;
  o.base = base;
  o.queries = queries;
  o.spec.kind = "exact";
  std::ostringstream out;
  const tools::KnnReport exact = tools::run_knn(o, out);
  CHECK(exact.recall == 1.0);
  CHECK(exact.num_base == 800);
  CHECK(exact.num_queries == 50);
  CHECK(out.str().find("recall@10 against exact search: 1.0000") != std::string::npos);
  o.spec.kind = "hnsw";
  o.spec.hnsw = {.M = 8, .ef_construction = 64, .ef = 64};
  o.save = temp_path("h.idx");
  o.out = temp_path("ids.npy");
  const tools::KnnReport h = tools::run_knn(o, out);
  CHECK(h.recall >= 0.95);
  const Tensor ids = data::read_npy(o.out);
  CHECK(ids.shape() == Shape{50, 10});
  tools::KnnOptions l = o;
  l.load = o.save;
  l.save = "";
  l.out = temp_path("ids2.npy");
  const tools::KnnReport back = tools::run_knn(l, out);
  CHECK(back.recall == h.recall);
  CHECK(data::read_npy(l.out).values<std::int64_t>() == ids.values<std::int64_t>());
}

TEST_CASE("knn tool: input errors") {
  tools::KnnOptions o;
  o.base = "/nonexistent/base.npy";
  std::ostringstream out;
  CHECK_THROWS_WITH_AS(tools::run_knn(o, out), doctest::Contains("/nonexistent/base.npy"), Error);
  Generator g(6);
  o.base = temp_path("flat.npy");
  data::write_npy(o.base, randn({30}, g));
  CHECK_THROWS_WITH_AS(tools::run_knn(o, out), doctest::Contains("must hold rows [N, D...]"),
                       Error);
  o.base = temp_path("ok.npy");
  data::write_npy(o.base, randn({30, 3}, g));
  o.spec.kind = "annoy";
  CHECK_THROWS_WITH_AS(tools::run_knn(o, out), doctest::Contains("unknown kind 'annoy'"), Error);
}
