// bench_train: training and inference on Fashion-MNIST, minidl vs PyTorch on the same work, in one
// run, printing JSON lines (or a table) with medians, spreads and issue 16's targets.
//
// What is measured (PyTorch's side is bench/torch_train.py, which mirrors every detail):
//   mlp_epoch  seconds per epoch: MLP 784-256-128-10 with ReLU, batch 128, SGD (lr 0.01,
//              momentum 0.9), cross entropy (minidl: -mean(gather(log_softmax(z, 1), 1, y));
//              PyTorch: nn.CrossEntropyLoss), a shuffled loader, the last batch partial (469
//              steps). A unit is one epoch.
//   cnn_step   ms per training step: conv32(3x3, pad 1)-ReLU-maxpool2-conv64(3x3, pad 1)-ReLU-
//              maxpool2-fc128-ReLU-fc10, batch 64, Adam (lr 1e-3), shuffled batches. A unit is
//              a block of steps.
//   conv_fwd   ms per forward of the CNN's two convolutions at its shapes, batch 64: conv 1->32
//              on [64, 1, 28, 28] and conv 32->64 on [64, 32, 14, 14], both 3x3 pad 1 with bias,
//              recording for autograd as in training. Fixed random inputs.
//   conv_bwd   ms per backward of the same two (only the backward timed): weight and bias
//              gradients of both, the input gradient of the second (its input is an activation).
//   cnn_scaling  the CNN step's steps/s on minidl's 2 threads against its 1 thread (the
//              "reference" column is minidl at 1 thread): the 1-to-2-thread scaling.
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
// The method is bench/harness.h's contest(): PyTorch runs as a coprocess (torch_train.py --serve)
// holding its data and models; for each bench, several blocks per PyTorch thread setting
// (torch 1|2 threads x OpenBLAS default|1 thread), interleaved with each other and with minidl's
// blocks; the setting with the lowest median is kept for the remaining blocks; each side's median
// and spread are printed. minidl runs at its default (oneTBB on every core, OpenBLAS pinned to
// one thread per call). The table prints each side's last training loss as a sanity check that
// both really train (PyTorch's models have run more units than minidl's by then: its trials).
//
// Usage: bench_train [--json] [--quick] [--only NAME_PREFIX] [--no-torch] [--python PATH]
//                    [--torch-script PATH]
// It is standalone: it spawns PyTorch itself (default /usr/bin/python3 and the torch_train.py of
// the source tree it was built from, so bench/run can simply call it); without python3-torch, or
// with --no-torch, the minidl figures are still measured and the reference columns are null.
// `bench_train --child mlp_rss [--quick]` is the minidl process of mlp_rss (one JSON line).
// --json prints only the JSON lines on stdout; notes and errors go to stderr.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "autograd/conv.h"
#include "autograd/functional.h"
#include "autograd/tape.h"
#include "bench/harness.h"
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
#include "tensor/parallel.h"
#include "tensor/random.h"

#ifndef MINIDL_SOURCE_DIR
#define MINIDL_SOURCE_DIR "."
#endif

namespace {

using minidl::Tensor;
using minidl::Variable;
namespace nn = minidl::nn;
namespace data = minidl::data;
namespace bench = minidl::bench;

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

// ---------------------------------------------------------------- the benches
// Issue 16's targets, on the ratio minidl / PyTorch of the medians.
const bench::Target kCnnTarget{0.6, true, "issue 16"};
const bench::Target kMlpTarget{0.6, true, "issue 16"};
const bench::Target kConvTarget{0.8, true, "issue 16"};
const bench::Target kScalingTarget{1.6, false, "issue 16"};
const bench::Target kInferTarget{1.0, false, "issue 16"};

// The contest against the coprocess's `unit` command (seconds), or minidl alone.
bench::Outcome run_contest(const std::function<double()>& mine, bench::Coprocess* torch,
                           const std::string& unit, const Options& opt) {
  const bench::ContestOptions co =
      opt.quick ? bench::ContestOptions{2, 2} : bench::ContestOptions{3, 5};
  if (torch == nullptr) return bench::contest(mine, nullptr, {}, co);
  return bench::contest(
      mine, [&] { return torch->call(unit); }, bench::torch_settings(*torch), co);
}

std::string ref_name(const bench::Coprocess* torch, const bench::Outcome& o) {
  if (torch == nullptr || !o.has_reference()) return "pytorch (skipped)";
  return "pytorch " + torch->version() + " (" + o.chosen + ")";
}

std::string trials_note(const bench::Outcome& o, const char* what) {
  if (o.settings.empty()) return "";
  return std::string("\n               pytorch trials, ") + what +
         ", median [IQR]: " + o.settings_note("");
}

std::string loss_note(double mine, const bench::Coprocess* torch) {
  std::string s = "last loss: minidl " + bench::fmt(mine);
  if (torch != nullptr)
    s += ", pytorch " + bench::fmt(bench::json_field(torch->last_reply(), "loss"));
  return s;
}

bench::Row bench_mlp_epoch(const Datasets& d, bench::Coprocess* torch, const Options& opt) {
  MlpTrainer t(d.train);
  double loss = 0;
  const bench::Outcome o =
      run_contest([&] { return bench::timed([&] { loss = t.epoch(); }); }, torch, "mlp_epoch", opt);
  bench::Row r = bench::make_row(
      "mlp_epoch", "s/epoch", false, o, [](double s) { return s; }, ref_name(torch, o), kMlpTarget);
  r.note = loss_note(loss, torch) + trials_note(o, "s/epoch");
  return r;
}

// The CNN's training state; block() runs `steps` steps on shuffled batches and returns the loss.
struct CnnTrainer {
  minidl::Generator gen{0};
  std::shared_ptr<nn::Sequential> model = make_cnn(gen);
  minidl::optim::Adam adam{model->parameters(), {.lr = 1e-3}};
  data::DataLoader loader;
  std::int64_t epoch_no = 0;
  data::Epoch epoch;
  explicit CnnTrainer(std::shared_ptr<const data::Dataset> train)
      : loader(std::move(train), {.batch_size = 64, .shuffle = true, .seed = 2}),
        epoch(loader.epoch(0)) {}
  double block(int steps) {
    double loss = 0;
    for (int i = 0; i < steps; ++i) {
      data::Batch b;
      if (!epoch.next(b)) {
        epoch = loader.epoch(++epoch_no);
        epoch.next(b);
      }
      loss = train_step(*model, adam, b.inputs, b.targets);
    }
    return loss;
  }
};

bench::Row bench_cnn_step(const Datasets& d, bench::Coprocess* torch, const Options& opt) {
  CnnTrainer t(d.train);
  const int block = opt.quick ? 10 : 20;
  double loss = 0;
  const bench::Outcome o = run_contest([&] { return bench::timed([&] { loss = t.block(block); }); },
                                       torch, "cnn_steps " + std::to_string(block), opt);
  bench::Row r = bench::make_row(
      "cnn_step", "ms/step", false, o, [block](double s) { return s / block * 1e3; },
      ref_name(torch, o), kCnnTarget);
  r.note = "blocks of " + std::to_string(block) + " steps; " + loss_note(loss, torch) +
           trials_note(o, "s/block");
  return r;
}

// minidl at 2 threads against minidl at 1 thread, blocks alternating: steps/s.
bench::Row bench_cnn_scaling(const Datasets& d, const Options& opt) {
  CnnTrainer two(d.train), one(d.train);
  const int block = opt.quick ? 10 : 20;
  const int threads = minidl::get_num_threads();
  auto on = [&](int n, CnnTrainer& t) {
    minidl::set_num_threads(n);
    const double s = bench::timed([&] { t.block(block); });
    minidl::set_num_threads(threads);
    return s;
  };
  const bench::Setting one_thread{"minidl 1 thread", [] {}};
  const bench::Outcome o = bench::contest([&] { return on(2, two); }, [&] { return on(1, one); },
                                          {one_thread}, {opt.quick ? 2 : 4, opt.quick ? 2 : 5});
  bench::Row r = bench::make_row(
      "cnn_scaling", "steps/s", true, o, [block](double s) { return block / s; },
      "minidl 1 thread (minidl column: 2 threads)", kScalingTarget);
  r.note = "the CNN step, blocks of " + std::to_string(block) +
           " steps; ratio = 2-thread / 1-thread throughput";
  return r;
}

// The CNN's two convolutions at its shapes (torch_train.py's conv_inputs()).
struct ConvWork {
  minidl::Generator gen{3};
  nn::Conv2d c1{1, 32, 3, gen, {.padding = 1}}, c2{32, 64, 3, gen, {.padding = 1}};
  Variable x1{minidl::rand({64, 1, 28, 28}, gen)};
  Variable x2{minidl::rand({64, 32, 14, 14}, gen), true};
  Variable g1{minidl::randn({64, 32, 28, 28}, gen)}, g2{minidl::randn({64, 64, 14, 14}, gen)};
  double forward(int k) {
    return bench::timed([&] {
      for (int i = 0; i < k; ++i) {
        const Variable y1 = c1(x1), y2 = c2(x2);
        g_sink = g_sink + y1.value().data<float>()[0] + y2.value().data<float>()[0];
      }
    });
  }
  double backward(int k) {
    double total = 0;
    for (int i = 0; i < k; ++i) {
      const Variable y1 = c1(x1), y2 = c2(x2);
      c1.zero_grad();
      c2.zero_grad();
      x2.zero_grad();
      total += bench::timed([&] {
        minidl::backward(y1, g1);
        minidl::backward(y2, g2);
      });
    }
    return total;
  }
};

bench::Row bench_conv(bool backward, bench::Coprocess* torch, const Options& opt) {
  ConvWork w;
  const int k = opt.quick ? 5 : 10;
  const std::string name = backward ? "conv_bwd" : "conv_fwd";
  const bench::Outcome o = run_contest([&] { return backward ? w.backward(k) : w.forward(k); },
                                       torch, name + " " + std::to_string(k), opt);
  bench::Row r = bench::make_row(
      name, "ms/call", false, o, [k](double s) { return s / k * 1e3; }, ref_name(torch, o),
      kConvTarget);
  r.note = std::string("both convolutions, batch 64 (1->32 on 28x28, 32->64 on 14x14), ") +
           (backward ? "backward only" : "forward with recording") + "; blocks of " +
           std::to_string(k) + trials_note(o, "s/block");
  return r;
}

bench::Row bench_mlp_infer(const Datasets& d, bench::Coprocess* torch, const Options& opt) {
  minidl::Generator gen(0);
  auto model = make_mlp(gen);
  const int passes = opt.quick ? 3 : 5;
  const std::int64_t n = d.test_flat.size(0);
  auto unit = [&] {
    return bench::timed([&] {
             for (int i = 0; i < passes; ++i) {
               const Tensor preds = infer(*model, d.test_flat);
               g_sink = g_sink + static_cast<double>(preds.data<std::int64_t>()[n - 1]);
             }
           }) /
           passes;
  };
  // The torch unit reports seconds per pass, as `unit` does.
  const bench::Outcome o = run_contest(unit, torch, "infer " + std::to_string(passes), opt);
  bench::Row r = bench::make_row(
      "mlp_infer", "samples/s", true, o, [n](double s) { return static_cast<double>(n) / s; },
      ref_name(torch, o), kInferTarget);
  r.note = "blocks of " + std::to_string(passes) + " passes" + trials_note(o, "s/pass");
  return r;
}

bench::Row bench_mlp_rss(bool torch_ok, const Options& opt) {
  std::vector<std::string> mine = {opt.self, "--child", "mlp_rss"};
  std::vector<std::string> theirs = {opt.python, opt.script, "--rss"};
  if (opt.quick) {
    mine.push_back("--quick");
    theirs.push_back("--quick");
  }
  // Memory does not swing as time does: one process each side.
  bench::Row r;
  r.bench = "mlp_rss";
  r.unit = "MiB";
  r.minidl = bench::Stats::of({bench::json_field(bench::run_capture(mine), "vmhwm_mib")});
  r.reference_name = "pytorch (skipped)";
  if (torch_ok) {
    const std::string reply = bench::run_capture(theirs);
    const double t = bench::json_field(reply, "vmhwm_mib");
    if (std::isfinite(t)) {
      r.reference = bench::Stats::of({t});
      r.reference_name =
          "pytorch " + bench::json_string_field(reply, "torch") + " (torch_train.py --rss)";
    }
  }
  r.note =
      "peak VmHWM of a fresh process: load train (bytes) + test, train 1 epoch, test inference";
  return r;
}

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: bench_train [--json] [--quick] [--only NAME_PREFIX] [--no-torch]\n"
               "                   [--python PATH] [--torch-script PATH]\n"
               "  --json             one JSON object per line instead of a table\n"
               "  --quick            fewer blocks and a 100-step RSS run\n"
               "  --only PREFIX      mlp_epoch, cnn_step, conv_fwd, conv_bwd, cnn_scaling,\n"
               "                     mlp_infer, mlp_rss (prefixes match)\n"
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

    const std::vector<std::string> names = {"mlp_epoch",   "cnn_step",  "conv_fwd", "conv_bwd",
                                            "cnn_scaling", "mlp_infer", "mlp_rss"};
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

    bench::Coprocess torch;
    bool torch_ok = false;
    if (opt.torch) {
      if (need_data) {
        torch_ok = torch.start({opt.python, opt.script, "--serve"}, "bench_train");
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

    if (!opt.json) bench::print_table_header();
    std::vector<bench::Row> rows;
    bench::Coprocess* ts = torch_ok && torch.running() ? &torch : nullptr;
    for (const std::string& n : selected) {
      bench::Row r;
      if (n == "mlp_epoch") r = bench_mlp_epoch(d, ts, opt);
      if (n == "cnn_step") r = bench_cnn_step(d, ts, opt);
      if (n == "conv_fwd") r = bench_conv(false, ts, opt);
      if (n == "conv_bwd") r = bench_conv(true, ts, opt);
      if (n == "cnn_scaling") r = bench_cnn_scaling(d, opt);
      if (n == "mlp_infer") r = bench_mlp_infer(d, ts, opt);
      if (n == "mlp_rss") {
        torch.stop();  // its memory and threads out of the way
        r = bench_mlp_rss(torch_ok, opt);
      }
      if (opt.json) {
        bench::print_json(r);
      } else {
        bench::print_table_row(r);
      }
      rows.push_back(r);
    }
    if (!opt.json) bench::print_targets(rows);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_train: %s\n", e.what());
    return 1;
  }
  return 0;
}
