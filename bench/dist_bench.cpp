// bench_dist: data-parallel training throughput (issue 17). One process with T threads, or P
// processes under mpirun, each with T threads, training the same model on the same global batch:
//
//   bench_dist MODEL [--threads T] [--batch B] [--steps S] [--buckets MB,MB,...] [--deterministic]
//   bench_dist allreduce [--steps S] [--buckets MB,...]   the transport alone: S allreduces of
//                                                         each size after a barrier, no compute
//   mpirun -np 2 --oversubscribe bench_dist mlp --threads 1
//
// MODEL: mlp (784-256-128-10, fashion_mlp's), cnn (train::fashion_cnn, fashion_cnn's) or mlp10x
// (784-2048-512-10, about 11x the MLP's parameters). Data: random images and labels of
// Fashion-MNIST's shapes (throughput does not depend on the values). Per bucket size: 3 warm-up
// steps, then S timed steps of zero_grad, forward, backward, GradientReducer::reduce (the
// gradient averaging), AdamW step; reported per step as the slowest rank's time, with the time
// inside the collectives (communication, including waiting for the slower rank) and the global
// samples per second. Absolute times on a shared machine are noise: compare rows of one run.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "autograd/tape.h"
#include "dist/comm.h"
#include "dist/gradients.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/adamw.h"
#include "tensor/error.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "train/fashion_classifier.h"
#include "train/fit.h"

using namespace minidl;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

std::shared_ptr<nn::Sequential> make_model(const std::string& name, Generator& gen) {
  if (name == "cnn") return train::fashion_cnn(gen, 0.0);
  const std::int64_t h1 = name == "mlp10x" ? 2048 : 256, h2 = name == "mlp10x" ? 512 : 128;
  MINIDL_CHECK(name == "mlp" || name == "mlp10x", "bench_dist: unknown model '", name,
               "' (mlp, cnn, mlp10x)");
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(784, h1, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(h1, h2, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(h2, 10, gen));
}

// The scaling model of docs/distributed.md, from this process's measured step (median times, the
// least disturbed by other work on a shared machine): P nodes, global
// batch B fixed (strong scaling), the forward/backward split P ways, the optimizer step on every
// node, and a ring allreduce of the gradient bytes G per step in `buckets` messages:
//   T(P) = t_fb / P + t_opt + buckets alpha(P) + 2 (P - 1) / P  G / bandwidth,
//   speedup T(1) / T(P), T(1) = t_fb + t_opt.
// alpha(P): a ring allreduce is 2 (P - 1) hops, each about the network's one-way latency: 10 us
// at 10 Gb/s (TCP), 2 us at 100 Gb/s (RDMA). Bandwidth: 80% of the line rate. Compute is assumed
// to scale ideally (a GEMM of B/P rows is slower per row than one of B), so these are upper bounds.
void print_cost_model(double t_fb, double t_opt, double grad_bytes, std::size_t buckets) {
  std::printf(
      "  cost model (strong scaling, global batch fixed): t_fb %.2f ms, t_opt %.2f ms, "
      "G %.2f MB in %zu bucket(s)\n",
      1e3 * t_fb, 1e3 * t_opt, grad_bytes / 1e6, buckets);
  std::printf("  %-9s", "nodes");
  for (int p : {2, 4, 8, 16, 32, 64}) std::printf(" %7d", p);
  std::printf("\n");
  for (double gbps : {10.0, 100.0}) {
    const double bw = 0.8 * gbps * 1e9 / 8, hop = gbps < 50 ? 10e-6 : 2e-6;
    std::printf("  %3.0f Gb/s ", gbps);
    for (int p : {2, 4, 8, 16, 32, 64}) {
      const double comm = double(buckets) * 2 * (p - 1) * hop + 2.0 * (p - 1) / p * grad_bytes / bw;
      std::printf(" %6.2fx", (t_fb + t_opt) / (t_fb / p + t_opt + comm));
    }
    std::printf("\n");
  }
}

// The collective alone: per size, the mean time of one MPI_Allreduce (SUM, float32) over S calls,
// and the bus bandwidth 2 (P - 1) / P x bytes / time (the ring's traffic per rank).
int allreduce_only(int argc, char** argv) {
  std::int64_t steps = 200;
  std::vector<double> sizes_mb{0.0009765625, 0.0625, 1, 4, 16};
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--steps") {
      steps = std::stoll(argv[i + 1]);
    } else if (a == "--buckets") {
      sizes_mb.clear();
      std::stringstream ss(argv[i + 1]);
      for (std::string item; std::getline(ss, item, ',');) sizes_mb.push_back(std::stod(item));
    } else {
      throw Error("bench_dist allreduce: unknown argument '" + a + "'");
    }
  }
  const int p = dist::world_size();
  if (dist::is_main_rank()) std::printf("bench_dist allreduce: %d process(es)\n", p);
  for (double mb : sizes_mb) {
    std::vector<float> buf(static_cast<std::size_t>(std::max(1.0, mb * (1 << 20) / 4)), 1.0f);
    for (int i = 0; i < 3; ++i) dist::allreduce_sum_raw(buf.data(), std::int64_t(buf.size()));
    dist::barrier();
    std::vector<double> times;
    for (std::int64_t i = 0; i < steps; ++i) {
      const double t0 = now();
      dist::allreduce_sum_raw(buf.data(), std::int64_t(buf.size()));
      times.push_back(now() - t0);
    }
    const double mean = dist::allreduce_max(sum(times) / double(steps));
    const double best = dist::allreduce_max(*std::min_element(times.begin(), times.end()));
    const double med = dist::allreduce_max(median(times));
    const double bytes = 4.0 * double(buf.size());
    if (dist::is_main_rank())
      std::printf(
          "  %9.4f MB: mean %9.1f us, median %9.1f us, best %8.1f us per allreduce; bus "
          "bandwidth at best %6.2f GB/s\n",
          bytes / 1e6, 1e6 * mean, 1e6 * med, 1e6 * best, 2.0 * (p - 1) / p * bytes / best / 1e9);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return dist::run_main(argc, argv, [&] {
    MINIDL_CHECK(argc >= 2,
                 "usage: bench_dist mlp|cnn|mlp10x [--threads T] [--batch B] "
                 "[--steps S] [--buckets MB,...] [--deterministic]");
    const std::string model_name = argv[1];
    if (model_name == "allreduce") return allreduce_only(argc, argv);
    int threads = 1;
    std::int64_t batch = 128, steps = 30;
    std::vector<double> buckets_mb{25};
    bool deterministic = false;
    for (int i = 2; i < argc; ++i) {
      const std::string a = argv[i];
      auto next = [&]() -> std::string {
        MINIDL_CHECK(i + 1 < argc, "bench_dist: ", a, " needs a value");
        return argv[++i];
      };
      if (a == "--threads") {
        threads = std::stoi(next());
      } else if (a == "--batch") {
        batch = std::stoll(next());
      } else if (a == "--steps") {
        steps = std::stoll(next());
      } else if (a == "--buckets") {
        buckets_mb.clear();
        std::stringstream ss(next());
        for (std::string item; std::getline(ss, item, ',');) buckets_mb.push_back(std::stod(item));
      } else if (a == "--deterministic") {
        deterministic = true;
      } else {
        throw Error("bench_dist: unknown argument '" + a + "'");
      }
    }
    set_num_threads(threads);
    const int p = dist::world_size();
    MINIDL_CHECK(batch % p == 0, "bench_dist: batch ", batch, " is not a multiple of ", p);
    const std::int64_t local = batch / p;
    Generator gen(1);
    auto model = make_model(model_name, gen);
    dist::broadcast_parameters(*model);
    const bool cnn = model_name == "cnn";
    Generator data_gen(100 + static_cast<std::uint64_t>(dist::rank()));
    const Tensor x = cnn ? randn({local, 1, 28, 28}, data_gen) : randn({local, 784}, data_gen);
    const Tensor y = randint(0, 10, {local}, data_gen, kInt64);
    optim::AdamW opt(model->parameters(), {.lr = 1e-3});
    if (dist::is_main_rank())
      std::printf(
          "bench_dist %s: %lld parameters (%.2f MB of float32 gradients), %d process(es) "
          "x %d thread(s), global batch %lld (%lld per process), %lld steps%s\n",
          model_name.c_str(), static_cast<long long>(model->num_parameters()),
          4e-6 * static_cast<double>(model->num_parameters()), p, threads,
          static_cast<long long>(batch), static_cast<long long>(local),
          static_cast<long long>(steps), deterministic ? ", deterministic reduction" : "");
    for (double mb : buckets_mb) {
      dist::GradientReducer reducer(
          model->parameters(),
          {.bucket_bytes = std::max<std::int64_t>(1, static_cast<std::int64_t>(mb * (1 << 20))),
           .reduction =
               deterministic ? dist::Reduction::kDeterministic : dist::Reduction::kAllreduce});
      std::vector<double> fb_times, opt_times;
      auto step = [&] {
        const double a = now();
        opt.zero_grad();
        backward(train::cross_entropy((*model)(Variable(x)), y));
        const double b = now();
        reducer.reduce();
        const double c = now();
        opt.step();
        fb_times.push_back(b - a);
        opt_times.push_back(now() - c);
      };
      for (int i = 0; i < 3; ++i) step();
      reducer.reset_stats();
      fb_times.clear();
      opt_times.clear();
      dist::barrier();
      const double t0 = now();
      std::vector<double> step_times, comm_times;
      for (std::int64_t i = 0; i < steps; ++i) {
        const double a = now(), c = reducer.stats().comm_seconds;
        step();
        step_times.push_back(now() - a);
        comm_times.push_back(reducer.stats().comm_seconds - c);
      }
      const double mine = now() - t0;
      const double wall = dist::allreduce_max(mine);
      const double comm = dist::allreduce_max(reducer.stats().comm_seconds);
      const double med = dist::allreduce_max(median(step_times));
      const double comm_med = dist::allreduce_max(median(comm_times));
      if (dist::is_main_rank())
        std::printf(
            "  bucket %7.3f MB: %zu buckets, mean %7.2f ms/step (median %7.2f), communication "
            "mean %6.2f ms/step (%4.1f%%, median %6.2f), %6.0f samples/s (at the median %6.0f)\n",
            mb, reducer.buckets().size(), 1e3 * wall / double(steps), 1e3 * med,
            1e3 * comm / double(steps), 100 * comm / wall, 1e3 * comm_med,
            double(batch * steps) / wall, double(batch) / med);
      if (p == 1 && dist::is_main_rank() && mb == buckets_mb.front())
        print_cost_model(median(fb_times), median(opt_times), 4.0 * double(model->num_parameters()),
                         reducer.buckets().size());
    }
    return 0;
  });
}
