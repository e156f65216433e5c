// bench_conv: minidl's convolution and pooling kernels at the Fashion CNN's shapes, each fast path
// against the slower paths it replaced or is checked against, in one run (minidl only; PyTorch's
// figures for the CNN step come from bench_train).
//
// Rows (batch 64, float32; conv1 = 1 -> 32 channels on 28x28, conv2 = 32 -> 64 on 14x14, both
// 3x3 with padding 1; pool = 2x2 max pooling of conv1's output):
//   conv{1,2}_fwd   conv2d forward, grad mode off: fused (the op conv2d runs, tensor/conv_gemm.cpp)
//                   vs composed (conv2d_composed: whole-batch unfold2d + matmul + permute) vs the
//                   naive 7-loop reference (tensor/naive_conv.h; --naive, it takes seconds).
//   conv{1,2}_bwd   the backward alone, on a graph recorded once: grad() of y with the seed dy
//                   for the inputs that need it (conv1: weight and bias, as the first layer of a
//                   network; conv2: input too). fused vs composed.
//   convt{1,2}_{fwd,bwd}  conv_transpose2d at the DCGAN generator's shapes (gan_fashion,
//                   bench_gan: 64 -> 32 channels 7x7 -> 14x14, 32 -> 1 14x14 -> 28x28; 4x4, stride
//                   2, padding 1), fused (conv2d's kernels read backwards) vs
//                   conv_transpose2d_composed; the backward for input, weight and bias.
//   dconv{1,2}_{fwd,bwd}  conv2d at the DCGAN discriminator's shapes (1 -> 32 channels 28x28 ->
//                   14x14, 32 -> 64 14x14 -> 7x7; 4x4, stride 2, padding 1), fused vs composed;
//                   the backward for input, weight and bias (the generator's step needs dx);
//                   dconv{1,2}_parts: the tensor kernels' dx alone and dW + db alone.
//   wino2_{fwd,bwd} conv2's forward and backward (dx, dW, db from tensor/conv.h's kernels, no
//                   autograd) on the Winograd path vs the im2col + GEMM path, each forced; the
//                   forward's error against the naive reference printed for both.
//   wino4_{fwd,bwd} the same with F(4x4, 3x3) (dW: F(3x3, 4x4)) vs F(2x2, 3x3) (dW: F(3x3,
//                   2x2)) vs im2col + GEMM, each forced; the forward's error against naive for
//                   all, the backward's dx and dW against the GEMM path's.
//   direct1_fwd     conv1's forward on the direct path (tensor/conv_direct.cpp) vs im2col + GEMM.
//   im2col, col2im  the whole-batch kernels at conv2's shape, vs the naive references.
//   maxpool_fwd     max_pool2d forward (argmax + gather) vs the naive reference.
//   threads         conv2_fwd+bwd fused on 1 thread vs 2 (speedup = 1-thread / 2-thread time).
//   cnn_step        bench_train's CNN training step (conv32-ReLU-pool-conv64-ReLU-pool-fc128-
//                   ReLU-fc10, batch 64, cross entropy, Adam 1e-3) on fixed random images,
//                   written with functions so that the same step runs with conv2d (fused) and
//                   with conv2d_composed, interleaved; then the fused step on 1 thread vs 2.
// Every figure is the median over repetitions interleaved across the variants (alternating order),
// in wall time; the process CPU time per call is printed beside it (on a loaded machine wall time
// includes waiting for a core, CPU time does not). Each fast result is checked against the
// slower one once (max relative difference printed).
//
//   --profile N     after cnn_step: N steps each of the composed and the fused CNN step under
//                   minidl::Profiler, and their op tables (where the step's time goes).
// Usage: bench_conv [--quick] [--naive] [--only PREFIX] [--profile STEPS]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "autograd/conv.h"
#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "autograd/tape.h"
#include "optim/adam.h"
#include "tensor/conv.h"
#include "tensor/conv_winograd.h"
#include "tensor/naive_conv.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tensor/random.h"

namespace {

using minidl::Tensor;
using minidl::Variable;

struct Opts {
  bool quick = false, naive = false;
  std::string only;
  int profile_steps = 0;  // --profile N: the CNN step's op tables, composed and fused
};

double wall_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

struct Variant {
  std::string name;
  std::function<void()> fn;
  std::vector<double> wall, cpu;
};

// Warm-up, then `reps` rounds; each round times every variant once (`inner` calls), rotating the
// order so no variant always follows the same one.
void run(std::vector<Variant>& vs, int reps, int inner) {
  for (auto& v : vs) v.fn();
  for (int r = 0; r < reps; ++r) {
    for (std::size_t i = 0; i < vs.size(); ++i) {
      Variant& v = vs[(i + static_cast<std::size_t>(r)) % vs.size()];
      const double w0 = wall_now(), c0 = cpu_now();
      for (int k = 0; k < inner; ++k) v.fn();
      v.wall.push_back((wall_now() - w0) / inner);
      v.cpu.push_back((cpu_now() - c0) / inner);
    }
  }
}

void report(const std::string& row, const std::vector<Variant>& vs, const std::string& check) {
  const double base = median(vs.front().wall);
  std::printf("%-12s", row.c_str());
  for (const auto& v : vs) {
    const double w = median(v.wall), c = median(v.cpu);
    std::printf("  %s %8.3f ms (cpu %7.3f)", v.name.c_str(), w * 1e3, c * 1e3);
    if (&v != &vs.front()) std::printf(" = %.2fx", w / base);
  }
  std::printf("%s\n", check.c_str());
}

double rel_diff(const Tensor& a, const Tensor& b) {
  const Tensor x = a.to(minidl::kFloat64), y = b.to(minidl::kFloat64);
  double d = 0, s = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    d = std::max(d, std::fabs(x.data<double>()[i] - y.data<double>()[i]));
    s = std::max(s, std::fabs(y.data<double>()[i]));
  }
  return s > 0 ? d / s : d;
}
std::string diff_note(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "   max rel diff %.1e", d);
  return buf;
}

struct ConvShape {
  const char* name;
  std::int64_t c, o, hw;
  bool input_grad;
};

void bench_conv(const ConvShape& s, const Opts& o, int reps) {
  minidl::Generator gen(7);
  const std::int64_t n = 64;
  Variable x(minidl::rand({n, s.c, s.hw, s.hw}, gen, minidl::kFloat32, -1, 1), s.input_grad);
  Variable w(minidl::rand({s.o, s.c, 3, 3}, gen, minidl::kFloat32, -0.3, 0.3), true);
  Variable b(minidl::rand({s.o}, gen, minidl::kFloat32, -0.1, 0.1), true);
  const minidl::Conv2dOptions co{.padding = {1, 1}};
  const std::string base = s.name;
  if (o.only.empty() || (base + "_fwd").rfind(o.only, 0) == 0) {
    minidl::NoGradGuard ng;
    Tensor yf, yc;
    std::vector<Variant> vs = {
        {"fused", [&] { yf = minidl::conv2d(x, w, b, co).value(); }, {}, {}},
        {"composed", [&] { yc = minidl::conv2d_composed(x, w, b, co).value(); }, {}, {}}};
    run(vs, reps, 3);
    std::string note = diff_note(rel_diff(yf, yc));
    if (o.naive) {
      Tensor yn;
      std::vector<Variant> nv = {
          {"naive",
           [&] {
             yn = minidl::naive::conv2d(x.value(), w.value(), b.value(), {1, 1}, {1, 1}, {1, 1}, 1);
           },
           {},
           {}}};
      run(nv, 1, 1);
      vs.push_back(nv.front());
      note += ", vs naive " + diff_note(rel_diff(yf, yn)).substr(3);
    }
    report(base + "_fwd", vs, note);
  }
  if (o.only.empty() || (base + "_bwd").rfind(o.only, 0) == 0) {
    const Variable dy(minidl::rand({n, s.o, s.hw, s.hw}, gen, minidl::kFloat32, -1, 1));
    std::vector<Variable> wrt = {w, b};
    if (s.input_grad) wrt.insert(wrt.begin(), x);
    const Variable yf = minidl::conv2d(x, w, b, co), yc = minidl::conv2d_composed(x, w, b, co);
    std::vector<Variable> gf, gc;
    const minidl::GradOptions go{.grad_outputs = {dy}, .retain_graph = true};
    std::vector<Variant> vs = {{"fused", [&] { gf = minidl::grad({yf}, wrt, go); }, {}, {}},
                               {"composed", [&] { gc = minidl::grad({yc}, wrt, go); }, {}, {}}};
    run(vs, reps, 3);
    double d = 0;
    for (std::size_t i = 0; i < gf.size(); ++i)
      d = std::max(d, rel_diff(gf[i].value(), gc[i].value()));
    report(base + "_bwd", vs, diff_note(d));
  }
}

// conv2's shape through the two paths of conv2d_forward / conv2d_backward (tensor/conv_gemm.cpp's
// im2col + GEMM, tensor/conv_winograd.cpp's F(2x2, 3x3)), forced by ConvPathScope; the forward
// also against the naive reference (once; --naive times it).
void bench_wino(const Opts& o, int reps) {
  using minidl::detail::ConvPath;
  using minidl::detail::ConvPathScope;
  minidl::Generator gen(9);
  const Tensor x = minidl::rand({64, 32, 14, 14}, gen, minidl::kFloat32, -1, 1);
  const Tensor w = minidl::rand({64, 32, 3, 3}, gen, minidl::kFloat32, -0.3, 0.3);
  const Tensor b = minidl::rand({64}, gen, minidl::kFloat32, -0.1, 0.1);
  const Tensor dy = minidl::rand({64, 64, 14, 14}, gen, minidl::kFloat32, -1, 1);
  const minidl::Window2d win{{3, 3}, {1, 1}, {1, 1}};
  auto want = [&](const char* name) {
    return o.only.empty() || std::string(name).rfind(o.only, 0) == 0;
  };
  if (want("wino2_fwd")) {
    Tensor yw, yg;
    std::vector<Variant> vs = {{"winograd",
                                [&] {
                                  const ConvPathScope s(ConvPath::kWinograd);
                                  yw = minidl::conv2d_forward(x, w, b, win, 1);
                                },
                                {},
                                {}},
                               {"gemm",
                                [&] {
                                  const ConvPathScope s(ConvPath::kGemm);
                                  yg = minidl::conv2d_forward(x, w, b, win, 1);
                                },
                                {},
                                {}}};
    run(vs, reps, 3);
    const Tensor yn = minidl::naive::conv2d(x, w, b, {1, 1}, {1, 1}, {1, 1}, 1);
    report("wino2_fwd", vs,
           diff_note(rel_diff(yw, yg)) + ", vs naive: winograd " +
               diff_note(rel_diff(yw, yn)).substr(16) + ", gemm " +
               diff_note(rel_diff(yg, yn)).substr(16));
  }
  if (want("wino2_bwd")) {
    minidl::Conv2dGrads gw, gg;
    std::vector<Variant> vs = {{"winograd",
                                [&] {
                                  const ConvPathScope s(ConvPath::kWinograd);
                                  gw = minidl::conv2d_backward(dy, x, w, win, 1, true, true, true);
                                },
                                {},
                                {}},
                               {"gemm",
                                [&] {
                                  const ConvPathScope s(ConvPath::kGemm);
                                  gg = minidl::conv2d_backward(dy, x, w, win, 1, true, true, true);
                                },
                                {},
                                {}}};
    run(vs, reps, 3);
    const double d = std::max(rel_diff(gw.input, gg.input), rel_diff(gw.weight, gg.weight));
    report("wino2_bwd", vs, diff_note(d) + " (dx, dW)");
  }
  // wino4 vs wino2 vs gemm: one variant per forced path.
  const std::vector<std::pair<const char*, ConvPath>> paths = {
      {"wino4", ConvPath::kWinograd4}, {"wino2", ConvPath::kWinograd}, {"gemm", ConvPath::kGemm}};
  if (want("wino4_fwd")) {
    std::vector<Tensor> ys(paths.size());
    std::vector<Variant> vs;
    for (std::size_t i = 0; i < paths.size(); ++i)
      vs.push_back({paths[i].first,
                    [&, i] {
                      const ConvPathScope s(paths[i].second);
                      ys[i] = minidl::conv2d_forward(x, w, b, win, 1);
                    },
                    {},
                    {}});
    run(vs, reps, 3);
    const Tensor yn = minidl::naive::conv2d(x, w, b, {1, 1}, {1, 1}, {1, 1}, 1);
    std::string note = "   vs naive:";
    for (std::size_t i = 0; i < paths.size(); ++i)
      note += std::string(" ") + paths[i].first + " " + diff_note(rel_diff(ys[i], yn)).substr(16);
    report("wino4_fwd", vs, note);
  }
  if (want("wino4_bwd")) {
    std::vector<minidl::Conv2dGrads> gs(paths.size());
    std::vector<Variant> vs;
    for (std::size_t i = 0; i < paths.size(); ++i)
      vs.push_back({paths[i].first,
                    [&, i] {
                      const ConvPathScope s(paths[i].second);
                      gs[i] = minidl::conv2d_backward(dy, x, w, win, 1, true, true, true);
                    },
                    {},
                    {}});
    run(vs, reps, 3);
    report("wino4_bwd", vs,
           diff_note(rel_diff(gs[0].input, gs[2].input)) + " (wino4 dx vs gemm), wino2" +
               diff_note(rel_diff(gs[1].input, gs[2].input)).substr(2) + "; dW: wino4 " +
               diff_note(rel_diff(gs[0].weight, gs[2].weight)).substr(16) + ", wino2 " +
               diff_note(rel_diff(gs[1].weight, gs[2].weight)).substr(16));
  }
  if (want("direct1_fwd")) {
    const Tensor x1 = minidl::rand({64, 1, 28, 28}, gen, minidl::kFloat32, -1, 1);
    const Tensor w1 = minidl::rand({32, 1, 3, 3}, gen, minidl::kFloat32, -0.3, 0.3);
    const Tensor b1 = minidl::rand({32}, gen, minidl::kFloat32, -0.1, 0.1);
    Tensor yd, yg;
    std::vector<Variant> vs = {{"direct",
                                [&] {
                                  const ConvPathScope s(ConvPath::kDirect);
                                  yd = minidl::conv2d_forward(x1, w1, b1, win, 1);
                                },
                                {},
                                {}},
                               {"gemm",
                                [&] {
                                  const ConvPathScope s(ConvPath::kGemm);
                                  yg = minidl::conv2d_forward(x1, w1, b1, win, 1);
                                },
                                {},
                                {}}};
    run(vs, reps, 3);
    const Tensor yn = minidl::naive::conv2d(x1, w1, b1, {1, 1}, {1, 1}, {1, 1}, 1);
    report("direct1_fwd", vs,
           diff_note(rel_diff(yd, yg)) + ", vs naive: direct " +
               diff_note(rel_diff(yd, yn)).substr(16) + ", gemm " +
               diff_note(rel_diff(yg, yn)).substr(16));
  }
}

// A 4x4 stride-2 padding-1 layer of the DCGAN (a conv2d of the discriminator or a
// conv_transpose2d of the generator): fused against composed, forward (grad mode off) and
// backward (grad() of a fixed dy for the inputs that need it). The rows' inputs are drawn from
// `seed`, the weight in `w_shape`.
using Layer4x4 = std::function<Variable(const Variable&, const Variable&, const Variable&)>;
struct Layer4x4Pair {
  Layer4x4 fused, composed;
};

void bench_4x4_layer(const ConvShape& s, const Opts& o, int reps, std::uint64_t seed,
                     const minidl::Shape& w_shape, const Layer4x4Pair& layer, Variable& x,
                     Variable& w) {
  minidl::Generator gen(seed);
  const std::int64_t n = 64;
  x = Variable(minidl::rand({n, s.c, s.hw, s.hw}, gen, minidl::kFloat32, -1, 1), s.input_grad);
  w = Variable(minidl::rand(w_shape, gen, minidl::kFloat32, -0.3, 0.3), true);
  const Variable b(minidl::rand({s.o}, gen, minidl::kFloat32, -0.1, 0.1), true);
  const std::string base = s.name;
  if (o.only.empty() || (base + "_fwd").rfind(o.only, 0) == 0) {
    minidl::NoGradGuard ng;
    Tensor yf, yc;
    std::vector<Variant> vs = {{"fused", [&] { yf = layer.fused(x, w, b).value(); }, {}, {}},
                               {"composed", [&] { yc = layer.composed(x, w, b).value(); }, {}, {}}};
    run(vs, reps, 3);
    report(base + "_fwd", vs, diff_note(rel_diff(yf, yc)));
  }
  if (o.only.empty() || (base + "_bwd").rfind(o.only, 0) == 0) {
    const Variable yf = layer.fused(x, w, b), yc = layer.composed(x, w, b);
    const Variable dy(minidl::rand(yf.shape(), gen, minidl::kFloat32, -1, 1));
    std::vector<Variable> wrt = {w, b};
    if (s.input_grad) wrt.insert(wrt.begin(), x);
    std::vector<Variable> gf, gc;
    const minidl::GradOptions go{.grad_outputs = {dy}, .retain_graph = true};
    std::vector<Variant> vs = {{"fused", [&] { gf = minidl::grad({yf}, wrt, go); }, {}, {}},
                               {"composed", [&] { gc = minidl::grad({yc}, wrt, go); }, {}, {}}};
    run(vs, reps, 3);
    double d = 0;
    for (std::size_t i = 0; i < gf.size(); ++i)
      d = std::max(d, rel_diff(gf[i].value(), gc[i].value()));
    report(base + "_bwd", vs, diff_note(d));
  }
}

void bench_dconv(const ConvShape& s, const Opts& o, int reps) {
  const minidl::Conv2dOptions co{.stride = {2, 2}, .padding = {1, 1}};
  Variable x, w;
  bench_4x4_layer(s, o, reps, 10, {s.o, s.c, 4, 4},
                  {[co](const Variable& x, const Variable& w, const Variable& b) {
                     return minidl::conv2d(x, w, b, co);
                   },
                   [co](const Variable& x, const Variable& w, const Variable& b) {
                     return minidl::conv2d_composed(x, w, b, co);
                   }},
                  x, w);
  const std::string base = s.name;
  if (o.only.empty() || (base + "_parts").rfind(o.only, 0) == 0) {
    // The fused backward's parts, tensor kernels alone: the input gradient (the generator's step
    // asks only for it) and the weight and bias gradients (the discriminator's first layer).
    minidl::Generator gen(11);
    const minidl::Window2d win{{4, 4}, {2, 2}, {1, 1}};
    const Tensor dy =
        minidl::rand({x.size(0), s.o, s.hw / 2, s.hw / 2}, gen, minidl::kFloat32, -1, 1);
    minidl::Conv2dGrads a, c;
    std::vector<Variant> vs = {
        {"dx",
         [&] { a = minidl::conv2d_backward(dy, x.value(), w.value(), win, 1, true, false, false); },
         {},
         {}},
        {"dW+db",
         [&] { c = minidl::conv2d_backward(dy, x.value(), w.value(), win, 1, false, true, true); },
         {},
         {}}};
    run(vs, reps, 3);
    report(base + "_parts", vs, "");
  }
}

void bench_convt(const ConvShape& s, const Opts& o, int reps) {
  const minidl::ConvTranspose2dOptions co{.stride = {2, 2}, .padding = {1, 1}};
  Variable x, w;
  bench_4x4_layer(s, o, reps, 8, {s.c, s.o, 4, 4},
                  {[co](const Variable& x, const Variable& w, const Variable& b) {
                     return minidl::conv_transpose2d(x, w, b, co);
                   },
                   [co](const Variable& x, const Variable& w, const Variable& b) {
                     return minidl::conv_transpose2d_composed(x, w, b, co);
                   }},
                  x, w);
}

void bench_kernels(const Opts& o, int reps) {
  minidl::Generator gen(3);
  const minidl::Window2d win{{3, 3}, {1, 1}, {1, 1}, {1, 1}, false};
  const Tensor x = minidl::rand({64, 32, 14, 14}, gen, minidl::kFloat32, -1, 1);
  auto want = [&](const char* name) {
    return o.only.empty() || std::string(name).rfind(o.only, 0) == 0;
  };
  if (want("im2col")) {
    Tensor a, r;
    std::vector<Variant> vs = {{"fast", [&] { a = minidl::im2col(x, win); }, {}, {}},
                               {"naive", [&] { r = minidl::naive::im2col(x, win); }, {}, {}}};
    run(vs, reps, 3);
    report("im2col", vs, diff_note(rel_diff(a, r)));
  }
  if (want("col2im")) {
    const Tensor cols = minidl::im2col(x, win);
    Tensor a, r;
    std::vector<Variant> vs = {{"fast",
                                [&] {
                                  a = minidl::col2im(cols, {14, 14}, win);
                                },
                                {},
                                {}},
                               {"naive",
                                [&] {
                                  r = minidl::naive::col2im(cols, {14, 14}, win);
                                },
                                {},
                                {}}};
    run(vs, reps, 3);
    report("col2im", vs, diff_note(rel_diff(a, r)));
  }
  if (want("maxpool")) {
    const Variable p(minidl::rand({64, 32, 28, 28}, gen, minidl::kFloat32, -1, 1));
    const minidl::Window2d pw{{2, 2}, {2, 2}, {0, 0}, {1, 1}, false};
    minidl::NoGradGuard ng;
    Tensor a, r;
    std::vector<Variant> vs = {
        {"fast", [&] { a = minidl::max_pool2d(p).value(); }, {}, {}},
        {"naive", [&] { r = minidl::naive::max_pool2d(p.value(), pw).first; }, {}, {}}};
    run(vs, reps, 3);
    report("maxpool_fwd", vs, diff_note(rel_diff(a, r)));
  }
  if (want("threads")) {
    Variable xv(minidl::rand({64, 32, 14, 14}, gen, minidl::kFloat32, -1, 1), true);
    Variable w(minidl::rand({64, 32, 3, 3}, gen, minidl::kFloat32, -0.3, 0.3), true);
    const minidl::Conv2dOptions co{.padding = {1, 1}};
    auto step = [&] {
      Variable y = minidl::conv2d(xv, w, Variable(), co);
      minidl::backward(minidl::sum(y));
    };
    std::vector<Variant> vs = {{"2 threads",
                                [&] {
                                  minidl::set_num_threads(2);
                                  step();
                                },
                                {},
                                {}},
                               {"1 thread",
                                [&] {
                                  minidl::set_num_threads(1);
                                  step();
                                },
                                {},
                                {}}};
    run(vs, reps, 3);
    minidl::set_num_threads(0);
    report("threads", vs, "   (conv2 forward + backward; ratio = 1-thread / 2-thread time)");
  }
}

// The CNN step: params in PyTorch's layout, the forward as functions.
struct Cnn {
  std::vector<Variable> p;  // c1.w c1.b c2.w c2.b fc1.w fc1.b fc2.w fc2.b
  explicit Cnn(minidl::Generator& gen) {
    const std::vector<minidl::Shape> shapes = {{32, 1, 3, 3},     {32},  {64, 32, 3, 3}, {64},
                                               {128, 64 * 7 * 7}, {128}, {10, 128},      {10}};
    // PyTorch's default bound 1 / sqrt(fan_in) for a weight and the bias after it.
    double bound = 1;
    for (const auto& s : shapes) {
      if (s.size() > 1) {
        std::int64_t fan_in = 1;
        for (std::size_t i = 1; i < s.size(); ++i) fan_in *= s[i];
        bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
      }
      p.emplace_back(minidl::rand(s, gen, minidl::kFloat32, -bound, bound), true);
    }
  }
  Variable loss(const Tensor& x, const Tensor& y, bool fused) const {
    const minidl::Conv2dOptions pad1{.padding = {1, 1}};
    auto conv = fused ? &minidl::conv2d : &minidl::conv2d_composed;
    Variable h = minidl::max_pool2d(minidl::relu(conv(Variable(x), p[0], p[1], pad1)));
    h = minidl::max_pool2d(minidl::relu(conv(h, p[2], p[3], pad1)));
    h = minidl::reshape(h, {x.size(0), 64 * 7 * 7});
    h = minidl::relu(minidl::add(minidl::matmul(h, p[4], false, true), p[5]));
    h = minidl::add(minidl::matmul(h, p[6], false, true), p[7]);
    return minidl::neg(minidl::mean(minidl::gather(minidl::log_softmax(h, 1), 1, y)));
  }
};

void bench_step(const Opts& o, int reps) {
  if (!o.only.empty() && std::string("cnn_step").rfind(o.only, 0) != 0) return;
  minidl::Generator gen(5);
  const Tensor x = minidl::rand({64, 1, 28, 28}, gen, minidl::kFloat32, 0, 1);
  Tensor y({64, 1}, minidl::kInt64);
  for (std::int64_t i = 0; i < 64; ++i) y.data<std::int64_t>()[i] = i % 10;
  Cnn fused(gen), composed(gen);
  minidl::optim::Adam af(fused.p, {.lr = 1e-3}), ac(composed.p, {.lr = 1e-3});
  auto step = [&](Cnn& m, minidl::optim::Adam& a, bool f) {
    a.zero_grad();
    minidl::backward(m.loss(x, y, f));
    a.step();
  };
  std::vector<Variant> vs = {{"fused", [&] { step(fused, af, true); }, {}, {}},
                             {"composed", [&] { step(composed, ac, false); }, {}, {}}};
  run(vs, reps, 5);
  report("cnn_step", vs, "");
  std::vector<Variant> ts = {{"2 threads",
                              [&] {
                                minidl::set_num_threads(2);
                                step(fused, af, true);
                              },
                              {},
                              {}},
                             {"1 thread",
                              [&] {
                                minidl::set_num_threads(1);
                                step(fused, af, true);
                              },
                              {},
                              {}}};
  run(ts, reps, 5);
  minidl::set_num_threads(0);
  report("cnn_threads", ts, "   (ratio = 1-thread / 2-thread time)");
  // Where the step's time goes, op by op: the composed convolution (the CNN step as it was before
  // the fused kernels) and the fused one, each step under a "train_step" scope.
  for (const bool f : {false, true}) {
    if (o.profile_steps <= 0) break;
    Cnn& m = f ? fused : composed;
    minidl::optim::Adam& a = f ? af : ac;
    step(m, a, f);  // warm-up outside the profile
    minidl::Profiler prof(minidl::ProfilerOptions{.trace = false});
    for (int i = 0; i < o.profile_steps; ++i) {
      const minidl::ProfileScope s("train_step", minidl::ProfileKind::kStep);
      step(m, a, f);
    }
    prof.stop();
    std::printf("\nprofile of the CNN step, %s convolution, %d steps, %d threads:\n%s",
                f ? "fused" : "composed", o.profile_steps, minidl::get_num_threads(),
                prof.table(20).c_str());
  }
}

}  // namespace

int main(int argc, char** argv) {
  Opts o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      o.quick = true;
    } else if (a == "--naive") {
      o.naive = true;
    } else if (a == "--only" && i + 1 < argc) {
      o.only = argv[++i];
    } else if (a == "--profile" && i + 1 < argc) {
      o.profile_steps = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: bench_conv [--quick] [--naive] [--only PREFIX] [--profile STEPS]\n");
      return 2;
    }
  }
  try {
    const int reps = o.quick ? 3 : 15;
    std::printf("bench_conv: batch 64, float32, %d threads, medians of %d interleaved rounds\n",
                minidl::get_num_threads(), reps);
    bench_conv({"conv1", 1, 32, 28, false}, o, reps);
    bench_conv({"conv2", 32, 64, 14, true}, o, reps);
    bench_wino(o, reps);
    bench_dconv({"dconv1", 1, 32, 28, true}, o, reps);
    bench_dconv({"dconv2", 32, 64, 14, true}, o, reps);
    bench_convt({"convt1", 64, 32, 7, true}, o, reps);
    bench_convt({"convt2", 32, 1, 14, true}, o, reps);
    bench_kernels(o, reps);
    bench_step(o, reps);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_conv: %s\n", e.what());
    return 1;
  }
  return 0;
}
