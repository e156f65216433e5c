// bench_ann: nearest-neighbour search at scale (issue 13), minidl's indexes beside hnswlib
// (Debian's headers, compiled here with minidl's own flags) and faiss (python3-faiss, run by
// bench/faiss_ann.py on the same files), one thread unless stated.
//
// Data: Fashion-MNIST, 60k training images as the base and the 10k test images as queries,
// pixels / 255, 784-d; and the same images through one fixed Gaussian random projection to 64-d
// (x R / 8, R [784, 64] ~ N(0, 1) from a fixed seed). Top-10, squared L2 (the order of L2).
// Ground truth: minidl's exact search. recall@10 = |found ∩ true| / 10, averaged over queries.
//
// Measured per dimension (every figure: wall time of one run, after nothing else of the bench
// is running; queries/s = queries / search seconds):
//   exact     minidl ExactIndex on 1 and on 2 threads; faiss IndexFlatL2 on 1 thread
//   hnsw      M = 16, efConstruction = 200: build seconds (1 thread), then ef in {10 .. 320}:
//             recall and queries/s; the same for hnswlib (HierarchicalNSW<float>, L2Space,
//             searchKnn per query) and faiss IndexHNSWFlat (efSearch 10 .. 160; about 2
//             minutes to build at 784-d; --no-faiss-hnsw leaves it out)
//   ivf       nlist 256 (k-means on 65 536 sampled rows), nprobe in {1 .. 64}; faiss
//             IndexIVFFlat likewise
//   lsh       p-stable LSH, a few (tables, bits, probes)
//   memory    bytes the index holds; HNSW also as bytes per vector above the raw data
// --kdtree instead times the k-d tree against exact search at D = 2, 3, 4, 8, 12, 16, 32, 64
// (random projections; 60k base, 10k queries; --kd-dims 2,4,8 to choose) and reports which one
// its fallback rule picks.
// Output: one table per dimension, the HNSW comparison at recall 0.95 and 0.99 (queries/s of the
// first swept ef reaching that recall), JSON lines (--json), and a recall-versus-queries/s PNG
// per dimension in ann-benchmarks' style (--out DIR, default build/out/ann).
//
// Seconds are process CPU time (all threads summed) unless --wall: on a shared machine a
// one-thread run's wall time is mostly queueing for a core, while its CPU time is what an idle
// machine would take. The 2-thread exact row therefore shows CPU cost, not wall-clock scaling.
//
// Usage: bench_ann [--quick] [--json] [--dims 784,64] [--kdtree] [--kd-dims 2,4,8]
//                  [--kd-leaf 16] [--no-faiss-hnsw] [--no-faiss]
//                  [--no-hnswlib] [--wall] [--exact-only] [--out DIR] [--python PATH]
// --exact-only: the exact rows alone (minidl on 1 and 2 threads, faiss IndexFlatL2).
// --quick: 10k base, 1k queries, shorter sweeps (a smoke run, not figures).
#include <hnswlib/hnswlib.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "data/idx.h"
#include "data/npy.h"
#include "index/factory.h"
#include "tensor/blas.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "train/plplot.h"

#ifndef MINIDL_SOURCE_DIR
#define MINIDL_SOURCE_DIR "."
#endif

namespace {

using minidl::Tensor;
namespace ix = minidl::index;
using Clock = std::chrono::steady_clock;

// Seconds are the process's CPU time by default (CLOCK_PROCESS_CPUTIME_ID: on a shared, loaded
// machine the wall time of a one-thread run is mostly waiting for a core); --wall reports wall
// time instead. Multi-threaded runs are then the summed CPU of their threads.
bool g_wall = false;
struct Stamp {
  Clock::time_point wall;
  double cpu;
};
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
Stamp now() { return {Clock::now(), cpu_seconds()}; }
double since(const Stamp& t0) {
  return g_wall ? std::chrono::duration<double>(Clock::now() - t0.wall).count()
                : cpu_seconds() - t0.cpu;
}

struct Point {
  std::string lib, index, params;
  double recall = 0, qps = 0, build_s = 0, mem_mb = 0;
};

struct Args {
  bool exact_only = false;
  bool quick = false, json = false, kdtree = false, faiss = true, faiss_hnsw = true, hnswlib = true;
  std::vector<int> dims = {784, 64};
  std::vector<int> kd_dims = {2, 3, 4, 8, 12, 16, 32, 64};
  std::int64_t kd_leaf = ix::KdTreeOptions{}.leaf_size;
  std::string out = "build/out/ann";
  std::string python = "/usr/bin/python3";
};

const char* kFashion = "/usr/share/datasets/fashion-mnist/";

Tensor load_images(const char* file, std::int64_t limit) {
  Tensor t = minidl::data::read_idx(std::string(kFashion) + file,
                                    {.dtype = minidl::kFloat32, .scale = 1.0 / 255});
  const std::int64_t n = std::min(limit, t.size(0));
  return t.narrow_rows(0, n).reshape({n, t.numel() / t.size(0)}).clone();
}

Tensor project(const Tensor& x, std::int64_t d) {
  minidl::Generator g(2026);
  const Tensor r = minidl::randn({x.size(1), d}, g);
  Tensor out({x.size(0), d});
  minidl::blas::sgemm(false, false, x.size(0), d, x.size(1), 1.0f / 8.0f, x.data<float>(),
                      x.size(1), r.data<float>(), d, 0.0f, out.data<float>(), d);
  return out;
}

// recall of ids [Q, 10] against the ground truth.
double recall(const Tensor& ids, const Tensor& gt) { return ix::recall_at_k(ids, gt); }

void print(const Point& p, bool json) {
  if (json) {
    std::printf(
        "{\"lib\": \"%s\", \"index\": \"%s\", \"params\": \"%s\", \"recall\": %.4f, "
        "\"qps\": %.1f, \"build_s\": %.3f, \"mem_mb\": %.1f}\n",
        p.lib.c_str(), p.index.c_str(), p.params.c_str(), p.recall, p.qps, p.build_s, p.mem_mb);
  } else {
    std::printf("  %-8s %-6s %-26s recall %.4f  %9.0f q/s  build %7.2f s  %8.1f MB\n",
                p.lib.c_str(), p.index.c_str(), p.params.c_str(), p.recall, p.qps, p.build_s,
                p.mem_mb);
  }
  std::fflush(stdout);
}

// ---- hnswlib, same flags as minidl
std::vector<Point> run_hnswlib(const Tensor& base, const Tensor& queries, const Tensor& gt,
                               const std::vector<int>& efs) {
  const std::int64_t n = base.size(0), d = base.size(1), nq = queries.size(0), k = gt.size(1);
  hnswlib::L2Space space(static_cast<size_t>(d));
  hnswlib::HierarchicalNSW<float> alg(&space, static_cast<size_t>(n), 16, 200, 100);
  auto t0 = now();
  for (std::int64_t i = 0; i < n; ++i)
    alg.addPoint(base.data<float>() + i * d, static_cast<hnswlib::labeltype>(i));
  const double build = since(t0);
  std::size_t mem = alg.max_elements_ * alg.size_data_per_element_;
  for (std::size_t i = 0; i < alg.cur_element_count; ++i)
    mem += alg.element_levels_[i] * alg.size_links_per_element_ + sizeof(void*) + sizeof(int);
  std::vector<Point> out;
  for (int ef : efs) {
    alg.setEf(static_cast<size_t>(ef));
    Tensor ids({nq, k}, minidl::kInt64);
    t0 = now();
    for (std::int64_t q = 0; q < nq; ++q) {
      auto res = alg.searchKnn(queries.data<float>() + q * d, static_cast<size_t>(k));
      for (std::int64_t c = k - 1; c >= 0; --c) {
        ids.data<std::int64_t>()[q * k + c] =
            res.empty() ? -1 : static_cast<std::int64_t>(res.top().second);
        if (!res.empty()) res.pop();
      }
    }
    const double s = since(t0);
    out.push_back({"hnswlib", "hnsw", "M=16 efC=200 ef=" + std::to_string(ef), recall(ids, gt),
                   nq / s, build, mem / 1048576.0});
  }
  return out;
}

// ---- faiss through python3-faiss (bench/faiss_ann.py prints JSON lines)
std::vector<Point> run_faiss(const Args& a, const std::string& dir, bool quick) {
  std::string cmd = std::string("OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 ") + a.python + " " +
                    MINIDL_SOURCE_DIR + "/bench/faiss_ann.py " + dir + (g_wall ? " --wall" : "") +
                    (quick ? " --quick" : "") + (a.faiss_hnsw ? " --hnsw" : "") +
                    (a.exact_only ? " --exact-only" : "");
  std::vector<Point> out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char line[1024];
  const std::regex re(
      R"re(\{"lib": "([^"]*)", "index": "([^"]*)", "params": "([^"]*)", "recall": ([0-9.eE+-]+), "qps": ([0-9.eE+-]+), "build_s": ([0-9.eE+-]+), "mem_mb": ([0-9.eE+-]+)\})re");
  while (std::fgets(line, sizeof line, p)) {
    std::cmatch m;
    if (std::regex_search(line, m, re))
      out.push_back(
          {m[1], m[2], m[3], std::stod(m[4]), std::stod(m[5]), std::stod(m[6]), std::stod(m[7])});
    else
      std::fprintf(stderr, "faiss_ann.py: %s", line);
  }
  if (pclose(p) != 0) std::fprintf(stderr, "note: faiss run failed (python3-faiss missing?)\n");
  return out;
}

// ---- the PNG: recall (x) against queries/s (y, log), one series per (lib, index)
void plot(const std::vector<Point>& pts, const std::string& path, const std::string& title) {
  std::map<std::string, std::vector<const Point*>> series;
  double ymin = 1e30, ymax = 0;
  for (const Point& p : pts) {
    if (p.qps <= 0) continue;
    series[p.lib + " " + p.index].push_back(&p);
    ymin = std::min(ymin, p.qps);
    ymax = std::max(ymax, p.qps);
  }
  if (series.empty()) return;
  // Every series' points, built before the door: the drawing creates nothing (train/plplot.h).
  struct Line {
    const std::string* name;
    std::vector<PLFLT> x, y;
  };
  std::vector<Line> lines;
  for (auto& [name, v] : series) {
    std::sort(v.begin(), v.end(), [](auto* x, auto* y) { return x->recall < y->recall; });
    Line line{&name, {}, {}};
    for (const Point* p : v) {
      line.x.push_back(p->recall);
      line.y.push_back(std::log10(p->qps));
    }
    lines.push_back(std::move(line));
  }
  const char* ylabel =
      g_wall ? "queries per second (1 thread)" : "queries per CPU second (1 thread)";
  minidl::train::render_png(
      path, "bench_ann", 1100, 760,
      [&] {
        pladv(0);
        plvpor(0.1, 0.72, 0.1, 0.9);
        plwind(0.0, 1.0, std::floor(std::log10(ymin)), std::ceil(std::log10(ymax)));
        plcol0(15);
        plscol0(15, 0, 0, 0);
        plcol0(15);
        plbox("bcgnst", 0.1, 0, "bcglnstv", 0, 0);
        pllab("recall@10", ylabel, title.c_str());
        // Ten colours (tab10): with faiss's HNSW row a plot has nine series.
        const int colors[] = {1, 3, 9, 13, 8, 2, 4, 12, 10, 11};
        const PLINT rgb[][3] = {{214, 39, 40},  {31, 119, 180},  {44, 160, 44},   {148, 103, 189},
                                {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {255, 127, 14},
                                {188, 189, 34}, {23, 190, 207}};
        int s = 0;
        for (const Line& line : lines) {
          plscol0(colors[s % 10], rgb[s % 10][0], rgb[s % 10][1], rgb[s % 10][2]);
          plcol0(colors[s % 10]);
          plwidth(2.0);
          const auto n = static_cast<PLINT>(line.x.size());
          plline(n, line.x.data(), line.y.data());
          plpoin(n, line.x.data(), line.y.data(), 17 + s % 4);
          plschr(0, 0.8);
          plmtex("rv", 1.5, 0.95 - 0.05 * s, 0.0, line.name->c_str());
          plschr(0, 1.0);
          ++s;
        }
      },
      [] { plscolbg(255, 255, 255); });
}

// First swept point of a series reaching recall r: its queries/s (0 if none).
double qps_at(const std::vector<Point>& pts, const std::string& lib, const std::string& idx,
              double r) {
  double best = 0;
  for (const Point& p : pts)
    if (p.lib == lib && p.index == idx && p.recall >= r) best = std::max(best, p.qps);
  return best;
}

void run_dimension(const Args& a, const Tensor& base, const Tensor& queries, int dim) {
  const std::int64_t d = base.size(1), nq = queries.size(0), k = 10;
  std::printf("\n== %lld-d: %lld base, %lld queries, top-%lld ==\n", (long long)d,
              (long long)base.size(0), (long long)nq, (long long)k);
  std::vector<Point> pts;
  // Exact: ground truth, 1 and 2 threads.
  Tensor gt;
  for (int threads : {1, 2}) {
    minidl::set_num_threads(threads);
    ix::ExactIndex exact(d, ix::Metric::kSquaredL2);
    auto t0 = now();
    exact.add(base);
    const double build = since(t0);
    t0 = now();
    const ix::SearchResult r = exact.search(queries, k);
    const double s = since(t0);
    gt = r.indices;
    pts.push_back({"minidl", threads == 1 ? "exact" : "exact2t",
                   std::to_string(threads) + " thread", 1.0, nq / s, build,
                   exact.memory_bytes() / 1048576.0});
    print(pts.back(), a.json);
  }
  minidl::set_num_threads(1);
  const std::string dir = a.out + "/data_" + std::to_string(dim);
  std::filesystem::create_directories(dir);
  minidl::data::write_npy(dir + "/base.npy", base);
  minidl::data::write_npy(dir + "/queries.npy", queries);
  minidl::data::write_npy(dir + "/gt.npy", gt);
  if (a.faiss)
    for (const Point& p : run_faiss(a, dir, a.quick)) {
      pts.push_back(p);
      print(p, a.json);
    }
  if (a.exact_only) return;
  const std::vector<int> efs = a.quick ? std::vector<int>{10, 20, 40, 80}
                                       : std::vector<int>{10, 20, 30, 40, 60, 80, 120, 160, 320};
  // minidl HNSW
  {
    ix::HnswIndex h(d, ix::Metric::kSquaredL2, {.M = 16, .ef_construction = 200, .ef = 10});
    auto t0 = now();
    h.add(base);
    const double build = since(t0);
    const double per_vec = (h.memory_bytes() - base.numel() * 4.0) / base.size(0);
    for (int ef : efs) {
      h.set_ef(ef);
      t0 = now();
      const ix::SearchResult r = h.search(queries, k);
      const double s = since(t0);
      pts.push_back({"minidl", "hnsw", "M=16 efC=200 ef=" + std::to_string(ef),
                     recall(r.indices, gt), nq / s, build, h.memory_bytes() / 1048576.0});
      print(pts.back(), a.json);
    }
    std::printf("  minidl hnsw: %.0f bytes per vector above the raw data\n", per_vec);
  }
  if (a.hnswlib)
    for (const Point& p : run_hnswlib(base, queries, gt, efs)) {
      pts.push_back(p);
      print(p, a.json);
    }
  // IVF-Flat
  {
    const std::int64_t nlist = a.quick ? 64 : 256;
    ix::IvfIndex v(d, ix::Metric::kSquaredL2, {.nlist = nlist, .nprobe = 1});
    auto t0 = now();
    v.add(base);
    const double build = since(t0);
    for (std::int64_t np : {1, 2, 4, 8, 16, 32, 64}) {
      if (np > nlist) break;
      v.set_nprobe(np);
      t0 = now();
      const ix::SearchResult r = v.search(queries, k);
      const double s = since(t0);
      pts.push_back({"minidl", "ivf",
                     "nlist=" + std::to_string(nlist) + " nprobe=" + std::to_string(np),
                     recall(r.indices, gt), nq / s, build, v.memory_bytes() / 1048576.0});
      print(pts.back(), a.json);
    }
  }
  // LSH
  for (auto [tables, bits] : std::vector<std::pair<int, int>>{{8, 8}, {16, 8}, {16, 12}}) {
    ix::LshIndex l(d, ix::Metric::kSquaredL2, {.tables = tables, .bits = bits});
    auto t0 = now();
    l.add(base);
    const double build = since(t0);
    for (int probes : {0, 4}) {
      l.set_probes(probes);
      t0 = now();
      const ix::SearchResult r = l.search(queries, k);
      const double s = since(t0);
      pts.push_back({"minidl", "lsh",
                     "L=" + std::to_string(tables) + " K=" + std::to_string(bits) +
                         " probes=" + std::to_string(probes),
                     recall(r.indices, gt), nq / s, build, l.memory_bytes() / 1048576.0});
      print(pts.back(), a.json);
    }
  }
  std::printf("  HNSW at equal recall (queries/s, 1 thread; ratio minidl / hnswlib):\n");
  for (double r : {0.95, 0.99}) {
    const double m = qps_at(pts, "minidl", "hnsw", r), h = qps_at(pts, "hnswlib", "hnsw", r),
                 f = qps_at(pts, "faiss", "hnsw", r);
    std::printf("    recall >= %.2f: minidl %.0f, hnswlib %.0f, faiss %.0f, ratio %.2f\n", r, m, h,
                f, h > 0 ? m / h : 0.0);
  }
  std::printf("  HNSW build seconds (M = 16, efConstruction = 200):");
  for (const char* lib : {"minidl", "hnswlib", "faiss"})
    for (const Point& p : pts)
      if (p.lib == lib && p.index == "hnsw") {
        std::printf(" %s %.2f", lib, p.build_s);
        break;
      }
  std::printf("\n");
  const std::string png = a.out + "/ann_" + std::to_string(dim) + ".png";
  plot(pts, png, "Fashion-MNIST " + std::to_string(dim) + "-d, top-10");
  std::printf("  plot: %s\n", png.c_str());
}

void run_kdtree(const Args& a, const Tensor& base784, const Tensor& queries784) {
  std::printf("\n== k-d tree vs exact search, 1 thread, top-10 ==\n");
  minidl::set_num_threads(1);
  for (std::int64_t d : a.kd_dims) {
    const Tensor base = project(base784, d), queries = project(queries784, d);
    ix::ExactIndex exact(d, ix::Metric::kSquaredL2);
    exact.add(base);
    auto t0 = now();
    const ix::SearchResult e = exact.search(queries, 10);
    const double te = since(t0);
    // The index as shipped (tree or fallback by its rule), and the tree forced at every D.
    ix::KdTreeIndex index(d, ix::Metric::kSquaredL2, {.leaf_size = a.kd_leaf});
    index.add(base);
    t0 = now();
    const ix::SearchResult t = index.search(queries, 10);
    const double ti = since(t0);
    ix::KdTreeIndex tree(d, ix::Metric::kSquaredL2, {.leaf_size = a.kd_leaf, .max_dim = 1 << 20});
    tree.add(base);
    t0 = now();
    const ix::SearchResult f = tree.search(queries, 10);
    const double tt = since(t0);
    std::printf(
        "  D = %2lld: exact %7.3f s, tree %7.3f s (%5.1fx), kdtree index %7.3f s (%s, %5.1fx), "
        "recall %.4f / %.4f\n",
        (long long)d, te, tt, te / tt, ti, index.uses_tree() ? "tree" : "fallback", te / ti,
        recall(f.indices, e.indices), recall(t.indices, e.indices));
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string s = argv[i];
    if (s == "--quick")
      a.quick = true;
    else if (s == "--json")
      a.json = true;
    else if (s == "--kdtree")
      a.kdtree = true;
    else if (s == "--wall")
      g_wall = true;
    else if (s == "--exact-only")
      a.exact_only = true;
    else if (s == "--faiss-hnsw")  // the default; kept so older commands still run
      a.faiss_hnsw = true;
    else if (s == "--no-faiss-hnsw")
      a.faiss_hnsw = false;
    else if (s == "--no-faiss")
      a.faiss = false;
    else if (s == "--no-hnswlib")
      a.hnswlib = false;
    else if (s == "--out" && i + 1 < argc)
      a.out = argv[++i];
    else if (s == "--kd-leaf" && i + 1 < argc)
      a.kd_leaf = std::stoll(argv[++i]);
    else if (s == "--python" && i + 1 < argc)
      a.python = argv[++i];
    else if ((s == "--dims" || s == "--kd-dims") && i + 1 < argc) {
      std::vector<int>& dims = s == "--dims" ? a.dims : a.kd_dims;
      dims.clear();
      std::string v = argv[++i];
      for (std::size_t p = 0; p < v.size();) {
        const std::size_t c = v.find(',', p);
        dims.push_back(std::stoi(v.substr(p, c - p)));
        p = c == std::string::npos ? v.size() : c + 1;
      }
    } else {
      std::fprintf(stderr, "bench_ann: unknown argument %s\n", s.c_str());
      return 2;
    }
  }
  try {
    std::filesystem::create_directories(a.out);
    const std::int64_t nb = a.quick ? 10000 : 60000, nq = a.quick ? 1000 : 10000;
    const Tensor base = load_images("train-images-idx3-ubyte.gz", nb);
    const Tensor queries = load_images("t10k-images-idx3-ubyte.gz", nq);
    double load[3] = {0, 0, 0};
    getloadavg(load, 3);
    std::printf("bench_ann: %s; one thread unless stated; seconds are %s; load average %.2f\n",
                minidl::blas::backend().c_str(),
                g_wall ? "wall time" : "process CPU time (shared machine)", load[0]);
    if (a.kdtree) {
      run_kdtree(a, base, queries);
      return 0;
    }
    for (int dim : a.dims) {
      if (dim == 784)
        run_dimension(a, base, queries, dim);
      else
        run_dimension(a, project(base, dim), project(queries, dim), dim);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_ann: %s\n", e.what());
    return 1;
  }
  return 0;
}
