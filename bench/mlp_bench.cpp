// bench_mlp: minidl-only micro bench of bench_train's MLP epoch, for profiling and for comparing
// builds on a shared, busy machine (no PyTorch: bench_train is the comparison).
//
// The work is bench_train's mlp_epoch exactly: MLP 784-256-128-10 with ReLU, batch 128, SGD (lr
// 0.01, momentum 0.9), cross entropy written -mean(gather(log_softmax(z, 1), 1, y)), a shuffled
// ByteDataset loader, 469 steps an epoch. Each epoch reports wall time and the process's CPU time
// (CLOCK_PROCESS_CPUTIME_ID: all threads). CPU time is what to compare on a loaded machine: it
// does not grow when another process takes the core, while wall time does. The medians are
// printed with the load average at the start and the end.
//
//   --phases     also time each phase of a step (next batch, forward, loss, backward, step) in
//                process CPU time, summed over the epoch: a coarse profile without perf.
//   --threads N  minidl::set_num_threads(N) first. With 1 thread, CPU time is the work alone
//                (no idle worker spinning in it): the steadiest figure on a loaded machine.
//   --infer N    also time N passes of the 10k-image inference (bench_train's mlp_infer).
//
// To compare two builds, run their binaries alternately (A B A B ...) and compare the CPU medians.
//
// Usage: bench_mlp [--epochs N] [--steps S] [--phases] [--threads N] [--infer N]
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "data/fashion_mnist.h"
#include "data/loader.h"
#include "nn/activation.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "optim/sgd.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"

namespace {

using minidl::Tensor;
using minidl::Variable;
using Clock = std::chrono::steady_clock;
namespace nn = minidl::nn;
namespace data = minidl::data;

volatile double g_sink = 0;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

std::string loadavg() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

std::shared_ptr<nn::Sequential> make_mlp(minidl::Generator& gen) {
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(784, 256, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(256, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 10, gen));
}

Variable composed_ce(const Variable& logits, const Tensor& labels) {
  const Tensor y = labels.reshape({labels.numel(), 1});
  return -minidl::mean(minidl::gather(minidl::log_softmax(logits, 1), 1, y));
}

struct Phases {
  double next = 0, forward = 0, loss = 0, backward = 0, step = 0;
};

struct Options {
  int epochs = 7;
  std::int64_t steps = -1;
  bool phases = false;
  int infer = 0;
  int threads = 0;  // 0: minidl's default
};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench_mlp: %s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--epochs") {
      o.epochs = std::atoi(next());
    } else if (a == "--steps") {
      o.steps = std::atoll(next());
    } else if (a == "--phases") {
      o.phases = true;
    } else if (a == "--threads") {
      o.threads = std::atoi(next());
    } else if (a == "--infer") {
      o.infer = std::atoi(next());
    } else {
      std::fprintf(
          stderr,
          "usage: bench_mlp [--epochs N] [--steps S] [--phases] [--threads N] [--infer N]\n");
      return 2;
    }
  }
  try {
    if (o.threads > 0) minidl::set_num_threads(o.threads);
    std::printf("load average at start: %s\n", loadavg().c_str());
    auto train = data::load_fashion_mnist_bytes(data::Split::kTrain);
    minidl::Generator gen{0};
    auto model = make_mlp(gen);
    minidl::optim::SGD opt{model->parameters(), {.lr = 0.01, .momentum = 0.9}};
    data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = 1});
    std::vector<double> wall, cpu;
    Phases ph;
    double last_loss = 0;
    for (int e = 0; e <= o.epochs; ++e) {  // epoch 0 is the warm-up
      const Phases before = ph;
      const auto t0 = Clock::now();
      const double c0 = cpu_seconds();
      double total = 0;
      std::int64_t steps = 0;
      data::Epoch ep = loader.epoch(e);
      for (;;) {
        double t = cpu_seconds();
        data::Batch b;
        if (!ep.next(b)) break;
        if (o.phases) ph.next += cpu_seconds() - t, t = cpu_seconds();
        const Tensor x = b.inputs.reshape({b.inputs.size(0), 784});
        opt.zero_grad();
        Variable z = (*model)(Variable(x));
        if (o.phases) ph.forward += cpu_seconds() - t, t = cpu_seconds();
        Variable loss = composed_ce(z, b.targets);
        if (o.phases) ph.loss += cpu_seconds() - t, t = cpu_seconds();
        minidl::backward(loss);
        if (o.phases) ph.backward += cpu_seconds() - t, t = cpu_seconds();
        opt.step();
        if (o.phases) ph.step += cpu_seconds() - t;
        total += loss.item();
        if (++steps == o.steps) break;
      }
      const double w = since(t0), c = cpu_seconds() - c0;
      last_loss = total / static_cast<double>(steps);
      if (e == 0) {
        ph = before;
        continue;
      }
      wall.push_back(w);
      cpu.push_back(c);
      std::printf("epoch %d: %lld steps, wall %.4f s, cpu %.4f s, loss %.4f\n", e,
                  static_cast<long long>(steps), w, c, last_loss);
    }
    std::printf("median over %d epochs: wall %.4f s, cpu %.4f s (loss %.4f)\n", o.epochs,
                median(wall), median(cpu), last_loss);
    if (o.phases) {
      const double n = o.epochs;
      std::printf(
          "per epoch by phase (cpu): next %.4f  forward %.4f  loss %.4f  backward %.4f  "
          "step %.4f\n",
          ph.next / n, ph.forward / n, ph.loss / n, ph.backward / n, ph.step / n);
    }
    if (o.infer > 0) {
      const data::ImageSet test = data::load_fashion_mnist(data::Split::kTest);
      const Tensor xf = test.images.reshape({test.images.size(0), 784});
      minidl::NoGradGuard no_grad;
      model->eval();
      std::vector<double> iw, ic;
      for (int r = 0; r <= o.infer; ++r) {
        const auto t0 = Clock::now();
        const double c0 = cpu_seconds();
        for (std::int64_t i = 0; i < xf.size(0); i += 1000) {
          const Tensor xb = xf.narrow_rows(i, std::min<std::int64_t>(1000, xf.size(0) - i));
          const Tensor p = minidl::argmax((*model)(Variable(xb)).value(), 1);
          g_sink = g_sink + static_cast<double>(p.data<std::int64_t>()[0]);
        }
        if (r == 0) continue;
        iw.push_back(since(t0));
        ic.push_back(cpu_seconds() - c0);
      }
      std::printf("inference pass of 10k: median wall %.5f s, cpu %.5f s (%.0f samples/s wall)\n",
                  median(iw), median(ic), 1e4 / median(iw));
    }
    std::printf("load average at end: %s\n", loadavg().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_mlp: %s\n", e.what());
    return 1;
  }
  return 0;
}
