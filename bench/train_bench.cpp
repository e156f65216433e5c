// bench_train: training and inference on Fashion-MNIST, minidl vs PyTorch on the same work, in one
// run, printing bench_core's JSON lines (or a table) and issue 3's targets.
//
// What is measured (PyTorch's side is bench/torch_train.py, which mirrors every detail):
//   mlp_epoch  seconds per epoch: MLP 784-256-128-10 with ReLU, batch 128, SGD (lr 0.01,
//              momentum 0.9), cross entropy (minidl: -mean(gather(log_softmax(z, 1), 1, y));
//              PyTorch: nn.CrossEntropyLoss), a shuffled loader, the last batch partial (469
//              steps). Median over epochs, after a warm-up epoch.
//   cnn_step   ms per training step: conv32(3x3, pad 1)-ReLU-maxpool2-conv64(3x3, pad 1)-ReLU-
//              maxpool2-fc128-ReLU-fc10, batch 64, Adam (lr 1e-3), shuffled batches. Median over
//              blocks of steps, after a warm-up block.
//   mlp_infer  samples/s: the MLP in eval mode without recording (NoGradGuard / torch.no_grad),
//              batches of 1000 over the 10k test images, logits and argmax.
//   mlp_rss    MiB: peak resident memory of the MLP training process: a fresh process each side
//              (bench_train --child mlp_rss, torch_train.py --rss) that loads the train and test
//              sets, trains one epoch (--quick: 100 steps) and runs the test-set inference, then
//              reads its own VmHWM from /proc/self/status (the high-water mark of its own address
//              space; ru_maxrss could include the parent's at fork time). PyTorch's figure
//              includes `import torch` (~229 MB): that is what a PyTorch training process costs.
// Data, the same on both sides: the 60k training images stay bytes, as the files (and
// torchvision) keep them, and each batch is decoded to float32 pixel / 255 (minidl:
// data::load_fashion_mnist_bytes, a ByteDataset; PyTorch: a uint8 tensor, index_select, then
// .float().div_(255)); the 10k test images are decoded to float32 once, for inference.
//
// How the comparison is kept fair on a noisy 2-core machine: PyTorch runs as a coprocess
// (torch_train.py --serve) that holds its data and models, and the two sides take turns unit by
// unit (an epoch, a block of steps, a block of inference passes), alternating which goes first;
// each reports the median of its units. Before every unit both sides idle 0.2 s, so neither pays
// for the other's spinning thread pool (OpenBLAS workers spin ~0.1 s after a call). PyTorch runs
// at its best thread setting on this machine: for each bench, after its warm-up, one unit is timed
// under each of (torch threads, OpenBLAS threads) = (1, default), (2, default), (1, 1), (2, 1)
// (OpenBLAS's default is 2 here; torch.set_num_threads does not govern it, see
// reference/performance.md), and the fastest is used for the timed units; the table shows the
// trial times and the chosen setting. minidl runs at its default (oneTBB on every core, OpenBLAS
// pinned to one thread per call). Speedup > 1 means minidl is faster. The table also prints each
// side's last training loss as a sanity check that both really train (PyTorch's model has run a
// few more units than minidl's by then: its thread trials).
//
// Usage: bench_train [--json] [--quick] [--only NAME_PREFIX] [--no-torch] [--python PATH]
//                    [--torch-script PATH]
// It is standalone: it spawns PyTorch itself (default /usr/bin/python3 and the torch_train.py of
// the source tree it was built from, so bench/run can simply call it); without python3-torch, or
// with --no-torch, the minidl figures are still measured and the reference columns are null.
// `bench_train --child mlp_rss [--quick]` is the minidl process of mlp_rss (one JSON line).
// --json prints only the JSON lines on stdout; notes and errors go to stderr.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "data/fashion_mnist.h"
#include "data/loader.h"
#include "nn/activation.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "optim/sgd.h"
#include "tensor/ops.h"

#ifndef MINIDL_SOURCE_DIR
#define MINIDL_SOURCE_DIR "."
#endif

extern char** environ;

namespace {

using minidl::Tensor;
using minidl::Variable;
using Clock = std::chrono::steady_clock;
namespace nn = minidl::nn;
namespace data = minidl::data;

constexpr double kSettle = 0.2;  // idle seconds before every timed unit
volatile double g_sink = 0;

struct Options {
  bool json = false;
  bool quick = false;
  bool torch = true;
  std::string only;
  std::string python = "/usr/bin/python3";
  std::string script = std::string(MINIDL_SOURCE_DIR) + "/bench/torch_train.py";
  std::string self;  // this executable, for the --child runs
};

struct Row {
  std::string bench;
  double minidl = 0;
  std::optional<double> reference;
  std::string reference_name;
  std::string unit;
  bool higher_is_better = true;
  std::string note;  // table mode only
  std::optional<double> speedup() const {
    if (!reference || *reference <= 0 || minidl <= 0) return std::nullopt;
    return higher_is_better ? minidl / *reference : *reference / minidl;
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void settle() { std::this_thread::sleep_for(std::chrono::duration<double>(kSettle)); }

// The number after "key": in a one-line JSON object (NaN when absent).
double json_field(const std::string& line, const std::string& key) {
  const std::string pat = "\"" + key + "\":";
  const std::size_t at = line.find(pat);
  if (at == std::string::npos) return NAN;
  return std::strtod(line.c_str() + at + pat.size(), nullptr);
}

// ---------------------------------------------------------------- processes
// Spawns argv with stdout (and, when to_child is given, stdin) on pipes; stderr is inherited.
struct Child {
  pid_t pid = -1;
  std::FILE* out = nullptr;  // the child's stdout
  std::FILE* in = nullptr;   // the child's stdin
};

Child spawn(const std::vector<std::string>& args, bool with_stdin) {
  int out_pipe[2], in_pipe[2] = {-1, -1};
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  if (with_stdin && pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
  posix_spawn_file_actions_addclose(&fa, out_pipe[1]);
  if (with_stdin) {
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_addclose(&fa, in_pipe[0]);
    posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
  }
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  Child c;
  const int rc = posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  if (with_stdin) close(in_pipe[0]);
  if (rc != 0) {
    close(out_pipe[0]);
    if (with_stdin) close(in_pipe[1]);
    c.pid = -1;
    return c;
  }
  c.out = fdopen(out_pipe[0], "r");
  if (with_stdin) c.in = fdopen(in_pipe[1], "w");
  return c;
}

std::string read_line(std::FILE* f) {
  std::string line;
  int ch;
  while ((ch = std::fgetc(f)) != EOF && ch != '\n') line.push_back(static_cast<char>(ch));
  return line;
}

// Runs args to completion; returns its stdout's last non-empty line ("" on failure).
std::string run_capture(const std::vector<std::string>& args) {
  Child c = spawn(args, false);
  if (c.pid < 0) return "";
  std::string last;
  while (!std::feof(c.out)) {
    const std::string line = read_line(c.out);
    if (!line.empty()) last = line;
  }
  std::fclose(c.out);
  int status = 0;
  waitpid(c.pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? last : "";
}

// PyTorch's side: torch_train.py --serve, one command per line, one JSON reply per line.
class TorchServer {
 public:
  bool start(const Options& opt) {
    child_ = spawn({opt.python, opt.script, "--serve"}, true);
    if (child_.pid < 0) return false;
    const std::string hello = read_line(child_.out);
    if (hello.find("\"ready\"") == std::string::npos) {
      stop();
      return false;
    }
    const std::size_t at = hello.find("\"torch\": \"");
    if (at != std::string::npos) {
      version_ = hello.substr(at + 10, hello.find('"', at + 10) - at - 10);
    }
    return true;
  }
  bool running() const { return child_.pid > 0; }
  const std::string& version() const { return version_; }
  // The last reply line (for its other fields, such as the training loss).
  const std::string& last_reply() const { return last_; }
  // Sends cmd and returns the reply's field `key` (NaN on any error, reported on stderr).
  double call(const std::string& cmd, const std::string& key = "s") {
    if (!running()) return NAN;
    std::fprintf(child_.in, "%s\n", cmd.c_str());
    std::fflush(child_.in);
    const std::string reply = read_line(child_.out);
    last_ = reply;
    if (reply.find("\"error\"") != std::string::npos || reply.empty()) {
      std::fprintf(stderr, "bench_train: torch_train.py '%s' failed: %s\n", cmd.c_str(),
                   reply.c_str());
      return NAN;
    }
    return json_field(reply, key);
  }
  void stop() {
    if (!running()) return;
    if (child_.in != nullptr) {
      std::fprintf(child_.in, "quit\n");
      std::fclose(child_.in);
    }
    if (child_.out != nullptr) std::fclose(child_.out);
    int status = 0;
    waitpid(child_.pid, &status, 0);
    child_ = {};
  }
  ~TorchServer() { stop(); }

 private:
  Child child_;
  std::string version_, last_;
};

// ---------------------------------------------------------------- models and loops
std::shared_ptr<nn::Sequential> make_mlp(minidl::Generator& gen) {
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(784, 256, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(256, 128, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Linear>(128, 10, gen));
}

std::shared_ptr<nn::Sequential> make_cnn(minidl::Generator& gen) {
  const nn::Conv2dOptions pad1{.padding = 1};
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(1, 32, 3, gen, pad1), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::MaxPool2d>(2), std::make_shared<nn::Conv2d>(32, 64, 3, gen, pad1),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(64 * 7 * 7, 128, gen),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(128, 10, gen));
}

// Mean cross entropy of logits [B, C] against int64 labels [B].
Variable cross_entropy(const Variable& logits, const Tensor& labels) {
  const Tensor y = labels.reshape({labels.numel(), 1});
  return -minidl::mean(minidl::gather(minidl::log_softmax(logits, 1), 1, y));
}

// One optimizer step on a batch; returns the loss.
double train_step(nn::Module& model, minidl::optim::Optimizer& opt, const Tensor& x,
                  const Tensor& y) {
  opt.zero_grad();
  Variable loss = cross_entropy(model(Variable(x)), y);
  minidl::backward(loss);
  opt.step();
  return loss.item();
}

// The training images stay bytes, decoded per batch (a ByteDataset, [B, 1, 28, 28] float32
// batches); the 10k test images are decoded once, for inference.
struct Datasets {
  std::shared_ptr<data::ByteDataset> train;
  data::ImageSet test;  // images [N, 1, 28, 28]
  Tensor test_flat;     // a view [N, 784]
};

Datasets load_data() {
  Datasets d;
  d.train = data::load_fashion_mnist_bytes(data::Split::kTrain);
  d.test = data::load_fashion_mnist(data::Split::kTest);
  d.test_flat = d.test.images.reshape({d.test.images.size(0), 784});
  return d;
}

// The MLP's training state; epoch() runs one shuffled epoch (or max_steps) and returns the mean
// loss.
struct MlpTrainer {
  minidl::Generator gen{0};
  std::shared_ptr<nn::Sequential> model = make_mlp(gen);
  minidl::optim::SGD opt{model->parameters(), {.lr = 0.01, .momentum = 0.9}};
  data::DataLoader loader;
  std::int64_t epochs = 0;
  explicit MlpTrainer(std::shared_ptr<const data::Dataset> train)
      : loader(std::move(train), {.batch_size = 128, .shuffle = true, .seed = 1}) {}
  double epoch(std::int64_t max_steps = -1) {
    model->train();
    double total = 0;
    std::int64_t steps = 0;
    for (data::Batch& b : loader.epoch(epochs)) {
      const Tensor x = b.inputs.reshape({b.inputs.size(0), 784});  // a view
      total += train_step(*model, opt, x, b.targets);
      if (++steps == max_steps) break;
    }
    ++epochs;
    return total / static_cast<double>(steps);
  }
};

// Predictions of the MLP over the test images, batches of 1000, without recording.
Tensor infer(nn::Module& model, const Tensor& x_flat) {
  minidl::NoGradGuard no_grad;
  model.eval();
  std::vector<Tensor> preds;
  const std::int64_t n = x_flat.size(0);
  for (std::int64_t i = 0; i < n; i += 1000) {
    const Tensor xb = x_flat.narrow_rows(i, std::min<std::int64_t>(1000, n - i));
    preds.push_back(minidl::argmax(model(Variable(xb)).value(), 1));
  }
  model.train();
  return minidl::concat(preds, 0);
}

double vmhwm_mib() {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtod(line.c_str() + 6, nullptr) / 1024.0;
  }
  return NAN;
}

// bench_train --child mlp_rss: the minidl training process whose peak memory is measured.
int child_mlp_rss(bool quick) {
  const Datasets d = load_data();
  MlpTrainer t(d.train);
  t.epoch(quick ? 100 : -1);
  const Tensor preds = infer(*t.model, d.test_flat);
  g_sink = g_sink + static_cast<double>(preds.numel());
  std::printf("{\"bench\": \"mlp_rss\", \"vmhwm_mib\": %.1f}\n", vmhwm_mib());
  return 0;
}

// ---------------------------------------------------------------- interleaving
// PyTorch thread settings tried: (torch threads, OpenBLAS threads; 0 = OpenBLAS's default).
struct TorchConfig {
  int torch_threads, blas_threads;
  std::string name() const {
    return "torch " + std::to_string(torch_threads) + " thr, OpenBLAS " +
           (blas_threads == 0 ? std::string("default") : std::to_string(blas_threads));
  }
};
const std::vector<TorchConfig> kTorchConfigs = {{1, 0}, {2, 0}, {1, 1}, {2, 1}};

struct Pair {
  double minidl = NAN, torch = NAN;  // median seconds per unit
  std::string torch_config, trials;  // the chosen setting; each setting's trial time
};

// Warm-up of each side, one trial unit of PyTorch per thread setting (the fastest is kept), then
// `reps` units of each side, alternating which goes first. `torch_unit` is the server command of
// one unit; it returns seconds.
Pair interleave(const std::function<void()>& mine, TorchServer* torch,
                const std::string& torch_unit, int reps) {
  Pair p;
  mine();  // warm-up
  std::vector<double> tm, tt;
  if (torch != nullptr && torch->running()) {
    torch->call(torch_unit);  // warm-up (under the previous setting)
    double best = INFINITY;
    const TorchConfig* chosen = &kTorchConfigs[0];
    char buf[96];
    for (const TorchConfig& c : kTorchConfigs) {
      torch->call(
          "config " + std::to_string(c.torch_threads) + " " + std::to_string(c.blas_threads), "ok");
      settle();
      const double s = torch->call(torch_unit);
      std::snprintf(buf, sizeof buf, "%s(%d,%s) %.4g", p.trials.empty() ? "" : "  ",
                    c.torch_threads, c.blas_threads == 0 ? "d" : "1", s);
      p.trials += buf;
      if (s < best) {
        best = s;
        chosen = &c;
      }
    }
    torch->call("config " + std::to_string(chosen->torch_threads) + " " +
                    std::to_string(chosen->blas_threads),
                "ok");
    p.torch_config = chosen->name();
  }
  const bool with_torch = !p.torch_config.empty();
  for (int r = 0; r < reps; ++r) {
    auto run_torch = [&] {
      settle();
      const double s = torch->call(torch_unit);
      if (std::isfinite(s)) tt.push_back(s);  // a failed call (reported on stderr) is skipped
    };
    if (with_torch && r % 2 == 1) run_torch();
    settle();
    const auto t0 = Clock::now();
    mine();
    tm.push_back(seconds_since(t0));
    if (with_torch && r % 2 == 0) run_torch();
  }
  p.minidl = median(tm);
  if (with_torch) p.torch = median(tt);
  return p;
}

std::string ref_name(const TorchServer* torch, const Pair& p) {
  if (torch == nullptr || !torch->running() || p.torch_config.empty()) return "pytorch (skipped)";
  return "pytorch " + torch->version() + " (" + p.torch_config + ")";
}

std::optional<double> opt_value(double v) {
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

// ---------------------------------------------------------------- the benches
Row bench_mlp_epoch(const Datasets& d, TorchServer* torch, const Options& opt) {
  MlpTrainer t(d.train);
  double loss = 0;
  const Pair p = interleave([&] { loss = t.epoch(); }, torch, "mlp_epoch", opt.quick ? 3 : 7);
  Row r{"mlp_epoch", p.minidl, opt_value(p.torch), ref_name(torch, p), "s/epoch", false, ""};
  char buf[128];
  std::snprintf(buf, sizeof buf, "mean training loss of the last epoch: minidl %.4f", loss);
  r.note = buf;
  if (torch != nullptr && !p.trials.empty()) {
    std::snprintf(buf, sizeof buf, ", pytorch %.4f", json_field(torch->last_reply(), "loss"));
    r.note += buf;
    r.note +=
        "\n             torch trial s/epoch by (torch, OpenBLAS threads; d = default): " + p.trials;
  }
  return r;
}

Row bench_cnn_step(const Datasets& d, TorchServer* torch, const Options& opt) {
  minidl::Generator gen(0);
  auto model = make_cnn(gen);
  minidl::optim::Adam adam(model->parameters(), {.lr = 1e-3});
  data::DataLoader loader(d.train, {.batch_size = 64, .shuffle = true, .seed = 2});
  const int block = opt.quick ? 10 : 20;
  std::int64_t epoch_no = 0;
  data::Epoch epoch = loader.epoch(epoch_no);
  double loss = 0;
  auto run_block = [&] {
    for (int i = 0; i < block; ++i) {
      data::Batch b;
      if (!epoch.next(b)) {
        epoch = loader.epoch(++epoch_no);
        epoch.next(b);
      }
      loss = train_step(*model, adam, b.inputs, b.targets);
    }
  };
  const Pair p =
      interleave(run_block, torch, "cnn_steps " + std::to_string(block), opt.quick ? 3 : 9);
  Row r{"cnn_step",
        p.minidl / block * 1e3,
        opt_value(p.torch / block * 1e3),
        ref_name(torch, p),
        "ms/step",
        false,
        ""};
  char buf[128];
  std::snprintf(buf, sizeof buf, "blocks of %d steps; last loss: minidl %.4f", block, loss);
  r.note = buf;
  if (torch != nullptr && !p.trials.empty()) {
    std::snprintf(buf, sizeof buf, ", pytorch %.4f", json_field(torch->last_reply(), "loss"));
    r.note += buf;
    r.note += "\n             torch trial s/block by (torch, OpenBLAS threads): " + p.trials;
  }
  return r;
}

Row bench_mlp_infer(const Datasets& d, TorchServer* torch, const Options& opt) {
  minidl::Generator gen(0);
  auto model = make_mlp(gen);
  const int passes = opt.quick ? 3 : 5;
  const std::int64_t n = d.test_flat.size(0);
  auto unit = [&] {
    for (int i = 0; i < passes; ++i) {
      const Tensor preds = infer(*model, d.test_flat);
      g_sink = g_sink + static_cast<double>(preds.data<std::int64_t>()[n - 1]);
    }
  };
  const Pair p = interleave(unit, torch, "infer " + std::to_string(passes), opt.quick ? 5 : 11);
  // The torch unit reports seconds per pass; minidl's timing covers `passes` passes.
  Row r{"mlp_infer",
        static_cast<double>(n) / (p.minidl / passes),
        opt_value(static_cast<double>(n) / p.torch),
        ref_name(torch, p),
        "samples/s",
        true,
        ""};
  if (!p.trials.empty()) r.note = "torch trial s/pass by (torch, OpenBLAS threads): " + p.trials;
  return r;
}

Row bench_mlp_rss(bool torch_ok, const Options& opt) {
  std::vector<std::string> mine = {opt.self, "--child", "mlp_rss"};
  std::vector<std::string> theirs = {opt.python, opt.script, "--rss"};
  if (opt.quick) {
    mine.push_back("--quick");
    theirs.push_back("--quick");
  }
  const double m = json_field(run_capture(mine), "vmhwm_mib");
  double t = NAN;
  std::string version;
  if (torch_ok) {
    const std::string reply = run_capture(theirs);
    t = json_field(reply, "vmhwm_mib");
    const std::size_t at = reply.find("\"torch\": \"");
    if (at != std::string::npos) {
      version = reply.substr(at + 10, reply.find('"', at + 10) - at - 10) + " ";
    }
  }
  return {
      "mlp_rss",
      m,
      opt_value(t),
      std::isfinite(t) ? "pytorch " + version + "(torch_train.py --rss)" : "pytorch (skipped)",
      "MiB",
      false,
      "peak VmHWM of a fresh process: load train (bytes) + test, train 1 epoch, test inference"};
}

// ---------------------------------------------------------------- output
std::string json_number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.4g", *v);
  return buf;
}

void print_json(const Row& r) {
  std::printf(
      "{\"bench\": \"%s\", \"minidl\": %s, \"reference\": %s, \"reference_name\": \"%s\", "
      "\"unit\": \"%s\", \"speedup\": %s}\n",
      r.bench.c_str(), json_number(r.minidl).c_str(), json_number(r.reference).c_str(),
      r.reference_name.c_str(), r.unit.c_str(), json_number(r.speedup()).c_str());
  std::fflush(stdout);
}

void print_table_row(const Row& r) {
  const std::string ref = r.reference ? json_number(r.reference) : "-";
  const auto s = r.speedup();
  const std::string sp = s ? json_number(s) + "x" : "-";
  std::printf("%-12s %10s %10s  %-10s %8s  %s\n", r.bench.c_str(), json_number(r.minidl).c_str(),
              ref.c_str(), r.unit.c_str(), sp.c_str(), r.reference_name.c_str());
  if (!r.note.empty()) std::printf("%12s %s\n", "", r.note.c_str());
  std::fflush(stdout);
}

// Issue 3's targets, as speedups (reference / minidl for times and memory).
void print_targets(const std::vector<Row>& rows) {
  std::printf("\ntargets (issue 3):\n");
  for (const Row& r : rows) {
    double want = 0;
    const char* text = "";
    if (r.bench == "mlp_epoch") want = 1.25, text = "time <= 0.8x pytorch";
    if (r.bench == "cnn_step") want = 1.0, text = "time <= 1.0x pytorch";
    if (r.bench == "mlp_rss") want = 2.0, text = "peak RSS <= 0.5x pytorch";
    if (r.bench == "mlp_infer") want = 1.5, text = "throughput >= 1.5x pytorch";
    const auto s = r.speedup();
    std::printf("  %-12s %-28s %s\n", r.bench.c_str(), text,
                !s ? "n/a" : (*s >= want ? "ok" : "MISSED"));
  }
}

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: bench_train [--json] [--quick] [--only NAME_PREFIX] [--no-torch]\n"
               "                   [--python PATH] [--torch-script PATH]\n"
               "  --json             one JSON object per line instead of a table\n"
               "  --quick            fewer repetitions and a 100-step RSS run\n"
               "  --only PREFIX      mlp_epoch, cnn_step, mlp_infer, mlp_rss (prefixes match)\n"
               "  --no-torch         minidl only\n"
               "  --python PATH      interpreter with torch (default /usr/bin/python3)\n"
               "  --torch-script P   PyTorch's side (default <source>/bench/torch_train.py)\n");
}

}  // namespace

int main(int argc, char** argv) {
  // A PyTorch child that dies must not kill us through a write to its stdin: the write fails,
  // the reply is empty and the bench reports the reference as missing.
  std::signal(SIGPIPE, SIG_IGN);
  Options opt;
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
  opt.self = len > 0 ? std::string(self, static_cast<std::size_t>(len)) : argv[0];
  std::string child;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      opt.json = true;
    } else if (arg == "--quick") {
      opt.quick = true;
    } else if (arg == "--no-torch") {
      opt.torch = false;
    } else if (arg == "--only" && i + 1 < argc) {
      opt.only = argv[++i];
    } else if (arg == "--python" && i + 1 < argc) {
      opt.python = argv[++i];
    } else if (arg == "--torch-script" && i + 1 < argc) {
      opt.script = argv[++i];
    } else if (arg == "--child" && i + 1 < argc) {
      child = argv[++i];
    } else if (arg == "--help" || arg == "-h") {
      usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "bench_train: unknown or incomplete argument '%s'\n", arg.c_str());
      usage(stderr);
      return 2;
    }
  }
  try {
    if (child == "mlp_rss") return child_mlp_rss(opt.quick);
    if (!child.empty()) {
      std::fprintf(stderr, "bench_train: unknown child '%s'\n", child.c_str());
      return 2;
    }

    const std::vector<std::string> names = {"mlp_epoch", "cnn_step", "mlp_infer", "mlp_rss"};
    std::vector<std::string> selected;
    for (const std::string& n : names)
      if (n.rfind(opt.only, 0) == 0) selected.push_back(n);
    if (selected.empty()) {
      std::fprintf(stderr, "bench_train: no bench named '%s*'; benches are:", opt.only.c_str());
      for (const std::string& n : names) std::fprintf(stderr, " %s", n.c_str());
      std::fprintf(stderr, "\n");
      return 2;
    }
    if (!data::fashion_mnist_available()) {
      std::fprintf(stderr, "bench_train: Fashion-MNIST not found in %s (dataset-fashion-mnist)\n",
                   data::fashion_mnist_dir().c_str());
      return 1;
    }
    const bool need_data = selected.front() != "mlp_rss";  // mlp_rss, if any, is last

    TorchServer torch;
    bool torch_ok = false;
    if (opt.torch) {
      if (need_data) {
        torch_ok = torch.start(opt);
      } else {
        torch_ok = std::system((opt.python + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0 &&
                   access(opt.script.c_str(), R_OK) == 0;
      }
      if (!torch_ok) {
        std::fprintf(stderr, "bench_train: PyTorch side unavailable (%s %s); minidl figures only\n",
                     opt.python.c_str(), opt.script.c_str());
      }
    }
    Datasets d;
    if (need_data) d = load_data();

    if (!opt.json) {
      std::printf("%-12s %10s %10s  %-10s %8s  %s\n", "bench", "minidl", "reference", "unit",
                  "speedup", "reference_name");
    }
    std::vector<Row> rows;
    TorchServer* ts = torch_ok && torch.running() ? &torch : nullptr;
    for (const std::string& n : selected) {
      Row r;
      if (n == "mlp_epoch") r = bench_mlp_epoch(d, ts, opt);
      if (n == "cnn_step") r = bench_cnn_step(d, ts, opt);
      if (n == "mlp_infer") r = bench_mlp_infer(d, ts, opt);
      if (n == "mlp_rss") {
        torch.stop();  // its memory and threads out of the way
        r = bench_mlp_rss(torch_ok, opt);
      }
      if (opt.json) {
        print_json(r);
      } else {
        print_table_row(r);
      }
      rows.push_back(r);
    }
    if (!opt.json) print_targets(rows);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
