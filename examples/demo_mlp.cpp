// demo_mlp: the whole of layers 0 and 1 in one screen.
//
// A 2-32-32-3 MLP written directly with Variables learns to tell apart three interleaved spirals
// (points generated from a seeded generator), trained by hand-written SGD: forward, cross entropy
// composed from log_softmax and gather, backward, `p -= lr * p.grad`. It prints the loss and the
// training accuracy as they improve, and writes the recorded graph of one training step as
// Graphviz DOT (render it with `dot -Tpng demo_mlp_step.dot -o step.png`).
//
//   demo_mlp [--steps N] [--quick] [--out DIR] [--seed S]
// Exits 1 if training did not lower the loss.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numbers>
#include <vector>

#include "autograd/functional.h"
#include "autograd/graph.h"
#include "autograd/tape.h"
#include "examples/common/flags.h"
#include "tensor/ops.h"
#include "tensor/random.h"

using namespace minidl;

namespace {

constexpr std::int64_t kClasses = 3;

// Three spiral arms of n points each, with a little noise: X [3n, 2], y [3n] int64.
std::pair<Tensor, Tensor> make_spirals(std::int64_t n, Generator& gen) {
  Tensor noise = randn({kClasses * n, 2}, gen, kFloat32, 0.0, 0.08);
  std::vector<float> x(static_cast<std::size_t>(kClasses * n * 2));
  std::vector<std::int64_t> y(static_cast<std::size_t>(kClasses * n));
  const float* pn = noise.data<float>();
  for (std::int64_t c = 0; c < kClasses; ++c) {
    for (std::int64_t i = 0; i < n; ++i) {
      std::int64_t k = c * n + i;
      double r = static_cast<double>(i) / static_cast<double>(n);
      double t =
          1.0 * r * 2 * std::numbers::pi + 2 * std::numbers::pi * static_cast<double>(c) / kClasses;
      x[static_cast<std::size_t>(2 * k)] = static_cast<float>(r * std::cos(t)) + pn[2 * k];
      x[static_cast<std::size_t>(2 * k + 1)] = static_cast<float>(r * std::sin(t)) + pn[2 * k + 1];
      y[static_cast<std::size_t>(k)] = c;
    }
  }
  return {from_vector(x, {kClasses * n, 2}), from_vector(y)};
}

struct Mlp {
  std::vector<Variable> params;
  Variable w1, b1, w2, b2, w3, b3;

  Mlp(Generator& gen) {
    // PyTorch's default Linear init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    auto linear = [&](std::int64_t in, std::int64_t out, const char* name, Variable& w,
                      Variable& b) {
      double bound = 1.0 / std::sqrt(static_cast<double>(in));
      w = Variable(rand({out, in}, gen, kFloat32, -bound, bound), true)
              .set_name(std::string(name) + ".weight");
      b = Variable(rand({out}, gen, kFloat32, -bound, bound), true)
              .set_name(std::string(name) + ".bias");
      params.push_back(w);
      params.push_back(b);
    };
    linear(2, 32, "fc1", w1, b1);
    linear(32, 32, "fc2", w2, b2);
    linear(32, kClasses, "fc3", w3, b3);
  }

  // logits [N, 3]; x W^T + b via matmul's trans_b, so no transposed copy is made.
  Variable forward(const Variable& x) const {
    Variable h = tanh(add(matmul(x, w1, false, true), b1));
    h = tanh(add(matmul(h, w2, false, true), b2));
    return add(matmul(h, w3, false, true), b3);
  }
};

// Mean cross entropy of logits [N, C] against int64 labels [N]: -mean(log_softmax(z)[i, y_i]).
Variable cross_entropy(const Variable& logits, const Tensor& labels) {
  Variable logp = log_softmax(logits, 1);
  Variable picked = gather(logp, 1, labels.reshape({labels.numel(), 1}));
  return neg(mean(picked));
}

double accuracy(const Variable& logits, const Tensor& labels) {
  Tensor pred = argmax(logits.value(), 1);
  return mean(eq(pred.to(kFloat64), labels.to(kFloat64))).item();
}

}  // namespace

int main(int argc, char** argv) {
  examples::Flags app{"minidl demo: an MLP on three spirals, trained by hand-written SGD"};
  int steps = 2000;
  bool quick = false;
  std::string out_dir = "out/demo_mlp";
  std::uint64_t seed = 0;
  double lr = 0.5;
  examples::FlagOption* budget_opt =
      app.add_option("--steps", steps, "training steps (full-batch SGD)");
  examples::FlagOption* quick_opt =
      app.add_flag("--quick", quick, "a short run (300 steps), as CI runs it");
  budget_opt->excludes(quick_opt);  // quick mode fixes its own budget
  app.add_option("--out", out_dir, "folder for the graph DOT file");
  app.add_option("--seed", seed, "seed of data and initial weights");
  app.add_option("--lr", lr, "learning rate");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  if (quick) steps = 300;

  try {
    Generator gen(seed);
    auto [x_data, y] = make_spirals(200, gen);
    Variable x(x_data);
    Mlp model(gen);
    std::printf("minidl demo: 2-32-32-3 MLP (tanh) on %lld spiral points, full-batch SGD lr %.2f\n",
                static_cast<long long>(x_data.size(0)), lr);

    double first_loss = 0, last_loss = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int step = 0; step <= steps; ++step) {
      Variable logits = model.forward(x);
      Variable loss = cross_entropy(logits, y);
      if (step == 0) {
        std::filesystem::create_directories(out_dir);
        std::string path = out_dir + "/demo_mlp_step.dot";
        write_dot(loss, path);
        std::printf("wrote the graph of one step to %s (render: dot -Tpng %s -o step.png)\n",
                    path.c_str(), path.c_str());
      }
      backward(loss);
      {
        NoGradGuard no_grad;  // the update itself is not part of any graph
        for (auto& p : model.params) {
          add_(p.value(), p.grad().value(), -lr);
          p.zero_grad();
        }
      }
      if (step == 0) first_loss = loss.item();
      last_loss = loss.item();
      if (step % (steps / 10 > 0 ? steps / 10 : 1) == 0)
        std::printf("step %5d  loss %.4f  train accuracy %.3f\n", step, loss.item(),
                    accuracy(logits, y));
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Variable final_logits;
    {
      NoGradGuard no_grad;
      final_logits = model.forward(x);
    }
    std::printf("loss %.4f -> %.4f, train accuracy %.3f, %d steps in %.2f s\n", first_loss,
                last_loss, accuracy(final_logits, y), steps, secs);
    if (!(last_loss < first_loss)) {
      std::fprintf(stderr, "demo_mlp: training did not lower the loss\n");
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo_mlp: %s\n", e.what());
    return 1;
  }
}
