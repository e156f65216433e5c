// The multi-process checks of dist/ (issue 17), run by ctest under
// `mpirun -np 2 --oversubscribe dist_checks <check>` (tests/CMakeLists.txt, only with MINIDL_MPI):
//
//   sampler        shard_loader's shards on the real ranks: disjoint, together the epoch.
//   reduce         GradientReducer alone: the mean over the ranks, float32 and float64, a
//                  gradient defined on some ranks only.
//   equality       fit(distributed) with the global batch B split over the ranks takes the steps
//                  of one process with batch B: the parameters after every step agree to 1e-6
//                  relative (max |a - b| / max |b| per tensor). Rank 1 starts from other weights:
//                  the broadcast of rank 0's must make them equal.
//   deterministic  Reduction::kDeterministic against a fixed-order reference computed in one
//                  process (each rank's shard gradient, summed in rank order, / P): the same bits
//                  after every step, on every rank.
//   resume         a checkpoint saved by one process resumes under P ranks, and one saved by a
//                  distributed run resumes in one process: both end where a straight run ends.
//   failure        rank 1 throws in the middle of an epoch while rank 0 waits in the next
//                  collective; run_main's handler must end the whole job (tests/mpi/
//                  expect_failure.sh checks the exit status, the message and the time).
//   knn            sharded exact k-NN (dist/knn.h) equals the exact search over the whole base.
// Each prints "<check>: ok" on rank 0, or every mismatch, and exits 1 if any rank found one.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <tuple>

#include "autograd/tape.h"
#include "dist/comm.h"
#include "dist/knn.h"
#include "dist/sampler.h"
#include "index/index.h"
#include "metrics/retrieval.h"
#include "optim/sgd.h"
#include "tensor/error.h"
#include "tensor/random.h"
#include "train/checkpoint.h"
#include "train/fit.h"
#include "train/train_test_util.h"

using namespace minidl;
using train::test_support::blobs;
using train::test_support::make_mlp;

namespace {

int g_failures = 0;

void fail(const std::string& what) {
  ++g_failures;
  std::fprintf(stderr, "rank %d: FAIL %s\n", dist::rank(), what.c_str());
}

using Snapshot = std::vector<Tensor>;

Snapshot params_of(const nn::Module& m) {
  Snapshot out;
  for (const Variable& p : m.parameters()) out.push_back(p.value().clone());
  return out;
}

// The parameters after every training step.
class Recorder : public train::Callback {
 public:
  void on_batch_end(train::TrainContext& ctx, std::int64_t, const train::Logs&) override {
    steps.push_back(params_of(ctx.model));
  }
  std::vector<Snapshot> steps;
};

// max |a - b| / max |b| over one tensor (0 when bitwise equal).
double rel_diff(const Tensor& a, const Tensor& b) {
  const std::vector<double> va = a.to_vector(), vb = b.to_vector();
  double num = 0, den = 0;
  for (std::size_t i = 0; i < va.size(); ++i) {
    num = std::max(num, std::abs(va[i] - vb[i]));
    den = std::max(den, std::abs(vb[i]));
  }
  return den > 0 ? num / den : num;
}

bool bitwise(const Tensor& a, const Tensor& b) {
  return a.nbytes() == b.nbytes() && std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

void compare(const std::string& what, const std::vector<Snapshot>& got,
             const std::vector<Snapshot>& want, double tol) {
  if (got.size() != want.size()) {
    fail(what + ": " + std::to_string(got.size()) + " steps, expected " +
         std::to_string(want.size()));
    return;
  }
  double worst = 0;
  for (std::size_t s = 0; s < got.size(); ++s)
    for (std::size_t i = 0; i < got[s].size(); ++i) {
      const double d = rel_diff(got[s][i], want[s][i]);
      worst = std::max(worst, d);
      if (tol == 0 ? !bitwise(got[s][i], want[s][i]) : d > tol)
        fail(what + ": step " + std::to_string(s + 1) + " parameter " + std::to_string(i) +
             " differs by " + std::to_string(d) + " relative");
    }
  if (dist::is_main_rank())
    std::printf("%s: %zu steps, worst relative difference %.3g\n", what.c_str(), got.size(), worst);
}

constexpr std::int64_t kSamples = 96, kBatch = 16, kEpochs = 2;

struct Problem {
  Tensor x, y;
  Problem() { std::tie(x, y) = blobs(kSamples, 11); }
  data::DataLoader loader() const {
    return data::DataLoader(x, y, {.batch_size = kBatch, .shuffle = true, .seed = 3});
  }
};

// A fit of the test MLP (no dropout: its masks depend on how many batches a rank draws).
std::vector<Snapshot> run_fit(const Problem& pb, bool distributed, dist::Reduction reduction,
                              std::uint64_t init_seed = 3) {
  auto model = make_mlp(init_seed, 0.0);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  data::DataLoader train = pb.loader();
  auto rec = std::make_shared<Recorder>();
  train::fit(*model, opt, train,
             {.epochs = kEpochs,
              .callbacks = {rec},
              .distributed = distributed,
              .reducer = {.bucket_bytes = 512, .reduction = reduction},  // several buckets
              .verbose = 0});
  return rec->steps;
}

void check_equality() {
  Problem pb;
  const std::vector<Snapshot> want = run_fit(pb, false, dist::Reduction::kAllreduce);
  // Rank 1 starts from other weights: broadcast_parameters must replace them with rank 0's.
  const auto got = run_fit(pb, true, dist::Reduction::kAllreduce, 3 + dist::rank());
  compare("equality (allreduce vs one process, batch " + std::to_string(kBatch) + ")", got, want,
          1e-6);
  if (want.size() != kEpochs * kSamples / kBatch) fail("equality: wrong number of steps");
}

// One process doing what P ranks do, in a fixed order: the shard gradients of step k, summed in
// rank order and divided by P, then one optimizer step.
std::vector<Snapshot> fixed_order_reference(const Problem& pb, int p) {
  auto model = make_mlp(3, 0.0);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  const data::DataLoader global = pb.loader();
  std::vector<Snapshot> steps;
  for (std::int64_t e = 0; e < kEpochs; ++e) {
    std::vector<data::DataLoader> shards;
    std::vector<data::Epoch> epochs;
    for (int r = 0; r < p; ++r) {
      data::LoaderOptions o = global.options();
      o.batch_size = kBatch / p;
      o.sampler = std::make_shared<dist::DistributedSampler>(
          global.sampler_ptr(), dist::DistributedSamplerOptions{.num_replicas = p, .rank = r});
      shards.emplace_back(global.dataset_ptr(), o);
    }
    for (int r = 0; r < p; ++r) epochs.push_back(shards[r].epoch(e));
    std::vector<Variable> params = model->parameters();
    while (true) {
      std::vector<Snapshot> grads;
      data::Batch b;
      for (int r = 0; r < p; ++r) {
        if (!epochs[r].next(b)) break;
        opt.zero_grad();
        backward(train::cross_entropy((*model)(Variable(b.inputs)), b.targets));
        Snapshot g;
        for (const Variable& v : params) g.push_back(v.grad().value().clone());
        grads.push_back(g);
      }
      if (grads.empty()) break;
      for (std::size_t i = 0; i < params.size(); ++i) {
        Tensor sum = grads[0][i].clone();
        float* s = sum.data<float>();
        for (int r = 1; r < p; ++r) {
          const float* g = grads[r][i].data<float>();
          for (std::int64_t j = 0; j < sum.numel(); ++j) s[j] += g[j];
        }
        for (std::int64_t j = 0; j < sum.numel(); ++j) s[j] /= static_cast<float>(p);
        params[i].set_grad(Variable(sum));
      }
      opt.step();
      steps.push_back(params_of(*model));
    }
  }
  return steps;
}

void check_deterministic() {
  Problem pb;
  const auto want = fixed_order_reference(pb, dist::world_size());
  const auto got = run_fit(pb, true, dist::Reduction::kDeterministic);
  compare("deterministic (fixed-order reduction vs fixed-order reference, bitwise)", got, want, 0);
  const auto again = run_fit(pb, true, dist::Reduction::kDeterministic);
  compare("deterministic (two runs, bitwise)", again, got, 0);
}

// Final parameters of a fit up to `epochs`, optionally resumed and checkpointing to `save`.
Snapshot fit_to(const Problem& pb, std::int64_t epochs, bool distributed, const std::string& resume,
                const std::string& save) {
  auto model = make_mlp(3 + dist::rank(), 0.0);  // resumed or broadcast: the init must not matter
  if (resume.empty() && !distributed) model = make_mlp(3, 0.0);
  optim::SGD opt(model->parameters(), {.lr = 0.1, .momentum = 0.9});
  data::DataLoader train = pb.loader();
  auto ckpt = std::make_shared<train::Checkpoint>(train::CheckpointOptions{.last_path = save});
  train::fit(*model, opt, train,
             {.epochs = epochs,
              .callbacks = {ckpt},
              .resume_from = resume,
              .distributed = distributed,
              .verbose = 0});
  return params_of(*model);
}

void check_resume() {
  Problem pb;
  // One directory for the job: rank 0's pid, told to everyone.
  const std::int64_t id = dist::allgather(std::vector<std::int64_t>{::getpid()})[0];
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("minidl_dist_resume_" + std::to_string(id));
  if (dist::is_main_rank()) std::filesystem::create_directories(dir);
  dist::barrier();
  const std::string mine = (dir / ("scratch_" + std::to_string(dist::rank()))).string();
  const Snapshot straight = fit_to(pb, kEpochs, false, "", mine);

  // Saved by one process (rank 0, not distributed), resumed by all ranks.
  const std::string one = (dir / "one_process.ckpt").string();
  if (dist::is_main_rank()) fit_to(pb, 1, false, "", one);
  dist::barrier();
  const Snapshot a = fit_to(pb, kEpochs, true, one, mine);
  compare("resume (1 process -> " + std::to_string(dist::world_size()) + " ranks)", {a}, {straight},
          1e-6);

  // Saved by the distributed run (rank 0 writes), resumed by each rank alone.
  const std::string many = (dir / "distributed.ckpt").string();
  fit_to(pb, 1, true, "", many);
  dist::barrier();
  const Snapshot b = fit_to(pb, kEpochs, false, many, mine);
  compare("resume (" + std::to_string(dist::world_size()) + " ranks -> 1 process)", {b}, {straight},
          1e-6);
  dist::barrier();
  if (dist::is_main_rank()) std::filesystem::remove_all(dir);
}

// shard_loader on the real ranks: disjoint shards that together are the epoch, for 2 epochs.
void check_sampler() {
  Problem pb;
  const data::DataLoader local = dist::shard_loader(pb.loader());
  for (std::int64_t e = 0; e < 2; ++e) {
    std::vector<std::int64_t> mine;
    for (data::Batch& b : local.epoch(e))
      mine.insert(mine.end(), b.indices.begin(), b.indices.end());
    std::vector<std::int64_t> all = dist::allgather(mine);
    std::sort(all.begin(), all.end());
    std::vector<std::int64_t> want(kSamples);
    for (std::int64_t i = 0; i < kSamples; ++i) want[static_cast<std::size_t>(i)] = i;
    if (all != want)
      fail("sampler: the ranks' shards of epoch " + std::to_string(e) +
           " are not disjoint and complete");
  }
}

// GradientReducer alone: rank r's gradients are r + 1 (float32 and float64, several buckets), a
// parameter has a gradient on rank 1 only, another on no rank.
void check_reduce() {
  const int p = dist::world_size(), r = dist::rank();
  for (dist::Reduction red : {dist::Reduction::kAllreduce, dist::Reduction::kDeterministic}) {
    std::vector<Variable> ps{Variable(zeros({300}), true), Variable(zeros({5}, kFloat64), true),
                             Variable(zeros({7}), true), Variable(zeros({3}), true)};
    ps[0].set_grad(Variable(full({300}, r + 1.0)));
    ps[1].set_grad(Variable(full({5}, r + 1.0, kFloat64)));
    if (r == 1) ps[2].set_grad(Variable(full({7}, 4.0)));
    dist::GradientReducer reducer(ps, {.bucket_bytes = 400, .reduction = red});
    reducer.reduce();
    const double mean = (p + 1) / 2.0;  // of 1..P
    if (ps[0].grad().value().to_vector() != std::vector<double>(300, mean))
      fail("reduce: float32 gradients are not the mean over the ranks");
    if (ps[1].grad().value().to_vector() != std::vector<double>(5, mean))
      fail("reduce: float64 gradients are not the mean over the ranks");
    if (ps[2].grad().value().to_vector() != std::vector<double>(7, 4.0 / p))
      fail("reduce: a gradient on one rank only must count as zeros elsewhere");
    if (ps[3].grad().defined()) fail("reduce: a parameter without gradients got one");
    if (reducer.stats().calls != 1 || reducer.stats().buckets != 3)  // [0] [1] f64 [2, 3]
      fail("reduce: expected 1 call and 3 buckets, got " + std::to_string(reducer.stats().calls) +
           " and " + std::to_string(reducer.stats().buckets));
  }
}

class Bomb : public train::Callback {
 public:
  void on_batch_end(train::TrainContext&, std::int64_t batch, const train::Logs&) override {
    if (dist::rank() == 1 && batch == 2)
      throw Error("dist_checks: deliberate failure on rank 1 at batch 2");
  }
};

void check_failure() {
  Problem pb;
  auto model = make_mlp(3, 0.0);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  data::DataLoader train = pb.loader();
  train::fit(
      *model, opt, train,
      {.epochs = 50, .callbacks = {std::make_shared<Bomb>()}, .distributed = true, .verbose = 0});
  std::printf("rank %d finished training: the failure did not stop the job\n", dist::rank());
}

void check_knn() {
  // The whole base (every rank draws it alike), each rank keeping its contiguous shard.
  Generator gen(5);
  const std::int64_t n = 1001, d = 16, q = 37, k = 10;
  const Tensor base = randn({n, d}, gen), queries = randn({q, d}, gen);
  const int p = dist::world_size(), r = dist::rank();
  const std::int64_t first = n * r / p, last = n * (r + 1) / p;
  for (index::Metric m : {index::Metric::kL2, index::Metric::kCosine}) {
    const index::SearchResult want = index::exact_search(base, queries, k, m);
    const index::SearchResult got =
        dist::sharded_search(base.narrow_rows(first, last - first), first, queries, k, m);
    const std::string name = m == index::Metric::kL2 ? "L2" : "cosine";
    if (got.indices.values<std::int64_t>() != want.indices.values<std::int64_t>())
      fail("knn " + name + ": ids differ from the exact search over the whole base");
    if (rel_diff(got.distances, want.distances) > 1e-6)
      fail("knn " + name + ": distances differ from the exact search");
  }
  // Retrieval metrics over the sharded embeddings against metrics::retrieval_metrics on all.
  const Tensor labels = randint(0, 10, {n}, gen, kInt64);
  for (auto distance :
       {metrics::RetrievalDistance::kEuclidean, metrics::RetrievalDistance::kCosine}) {
    const metrics::RetrievalResult want =
        metrics::retrieval_metrics(base, labels, {.distance = distance});
    const metrics::RetrievalResult got = dist::retrieval_metrics(
        base.narrow_rows(first, last - first), labels.narrow_rows(first, last - first),
        {.distance = distance, .query_block = 100});
    const double worst = std::max({std::abs(got.precision_at_1 - want.precision_at_1),
                                   std::abs(got.r_precision - want.r_precision),
                                   std::abs(got.map_at_r - want.map_at_r),
                                   std::abs(got.recall_at(8) - want.recall_at(8))});
    if (worst > 1e-12 || got.num_queries != want.num_queries || got.max_k != want.max_k)
      fail("knn: sharded retrieval metrics differ from metrics::retrieval_metrics by " +
           std::to_string(worst));
    if (dist::is_main_rank())
      std::printf("knn: sharded MAP@R %.6f, P@1 %.6f (one process: %.6f, %.6f)\n", got.map_at_r,
                  got.precision_at_1, want.map_at_r, want.precision_at_1);
  }
  if (dist::is_main_rank())
    std::printf("knn: %lld base rows over %d ranks, %lld queries, k = %lld\n",
                static_cast<long long>(n), p, static_cast<long long>(q), static_cast<long long>(k));
}

}  // namespace

int main(int argc, char** argv) {
  return dist::run_main(argc, argv, [&] {
    const std::string check = argc > 1 ? argv[1] : "";
    MINIDL_CHECK(dist::world_size() >= 2, "dist_checks: run under mpirun -np 2 (or more), got ",
                 dist::world_size(), " rank(s)");
    if (check == "equality") {
      check_equality();
    } else if (check == "deterministic") {
      check_deterministic();
    } else if (check == "resume") {
      check_resume();
    } else if (check == "sampler") {
      check_sampler();
    } else if (check == "reduce") {
      check_reduce();
    } else if (check == "failure") {
      check_failure();
    } else if (check == "knn") {
      check_knn();
    } else {
      throw Error("dist_checks: unknown check '" + check +
                  "' (sampler, reduce, equality, deterministic, resume, failure, knn)");
    }
    const std::int64_t failures = dist::allreduce_sum(std::int64_t{g_failures});
    if (dist::is_main_rank()) std::printf("%s: %s\n", check.c_str(), failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
  });
}
