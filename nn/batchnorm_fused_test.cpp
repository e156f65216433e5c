// The fused batch norm (autograd/norm_ops.cpp, tensor/batch_norm.cpp) against its composition,
// batch_norm_composed: forward, the three gradients and the batch statistics on [N, C],
// [N, C, L] and [N, C, H, W], float32 and float64, batch and given statistics, with and without
// affine parameters; the layer in every mode against the composition; double backward through
// the layer (the composed fallback); the same bits on 1 and 2 threads.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "nn/batchnorm.h"
#include "tensor/batch_norm.h"
#include "tensor/ops.h"
#include "tensor/parallel.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

struct Result {
  Tensor y, dx, dw, db, mean, var;
};

using BatchNormFn = Variable (*)(const Variable&, const Variable&, const Variable&, const Tensor&,
                                 const Tensor&, double, Tensor*, Tensor*);

// One forward and backward (seed g) of fn on fresh leaves holding x, w, b (w, b may be undefined).
Result run(BatchNormFn fn, const Tensor& x, const Tensor& w, const Tensor& b, const Tensor& mean,
           const Tensor& invstd, const Tensor& g) {
  Variable xv(x.clone(), true);
  Variable wv = w.defined() ? Variable(w.clone(), true) : Variable();
  Variable bv = b.defined() ? Variable(b.clone(), true) : Variable();
  Result r;
  Variable y = fn(xv, wv, bv, mean, invstd, 1e-5, &r.mean, &r.var);
  r.y = y.value();
  backward(y, Variable(g));
  r.dx = xv.grad().value();
  if (w.defined()) r.dw = wv.grad().value();
  if (b.defined()) r.db = bv.grad().value();
  return r;
}

TEST_CASE("batchnorm: the fused op matches the composition (forward, gradients, statistics)") {
  const std::vector<Shape> shapes = {{2, 3},     {5, 37},      {2, 3, 5},
                                     {3, 2, 21}, {4, 3, 3, 3}, {2, 5, 6, 7}};
  Generator gen(7);
  for (DType dt : {kFloat64, kFloat32}) {
    const double tol = dt == kFloat64 ? 1e-10 : 2e-4;
    for (const Shape& shape : shapes) {
      const std::int64_t c = shape[1];
      // A large offset per channel: the two-pass variance must not lose it.
      const Tensor x = add(mul(randn(shape, gen, dt), 3.0), 5.0);
      const Tensor g = randn(shape, gen, dt);
      const Tensor w = add(rand({c}, gen, dt), 0.5), b = randn({c}, gen, dt);
      const Tensor given_mean = randn({c}, gen, dt), given_invstd = add(rand({c}, gen, dt), 0.2);
      for (bool affine : {true, false}) {
        for (bool batch_stats : {true, false}) {
          CAPTURE(dtype_name(dt));
          CAPTURE(shape_str(shape));
          CAPTURE(affine);
          CAPTURE(batch_stats);
          const Tensor wa = affine ? w : Tensor(), ba = affine ? b : Tensor();
          const Tensor m = batch_stats ? Tensor() : given_mean;
          const Tensor is = batch_stats ? Tensor() : given_invstd;
          const Result f = run(&batch_norm_fused, x, wa, ba, m, is, g);
          const Result r = run(&batch_norm_composed, x, wa, ba, m, is, g);
          CHECK_TENSOR_CLOSE(f.y, r.y, tol, tol);
          CHECK_TENSOR_CLOSE(f.dx, r.dx, tol, tol);
          if (affine) {
            CHECK_TENSOR_CLOSE(f.dw, r.dw, tol, tol);
            CHECK_TENSOR_CLOSE(f.db, r.db, tol, tol);
          }
          if (batch_stats) {
            CHECK_TENSOR_CLOSE(f.mean, r.mean, tol, tol);
            CHECK_TENSOR_CLOSE(f.var, r.var, tol, tol);
          }
        }
      }
    }
  }
}

// The layer's output, its three gradients and its running statistics against the composition
// fed with the same parameters and statistics (and PyTorch's running-statistics update).
void check_layer_against_composition(BatchNorm& bn, const Shape& shape, bool training) {
  Generator gen(3);
  bn.to(kFloat64);
  bn.train(training);
  const std::int64_t c = shape[1];
  if (bn.weight().defined()) {
    bn.weight().value().copy_(add(rand({c}, gen, kFloat64), 0.5));
    bn.bias().value().copy_(randn({c}, gen, kFloat64));
  }
  if (bn.running_mean().defined()) {
    bn.running_mean().copy_(randn({c}, gen, kFloat64));
    bn.running_var().copy_(add(rand({c}, gen, kFloat64), 0.5));
  }
  const Tensor old_mean = bn.running_mean().defined() ? bn.running_mean().clone() : Tensor();
  const Tensor old_var = bn.running_var().defined() ? bn.running_var().clone() : Tensor();
  const Tensor x = randn(shape, gen, kFloat64), g = randn(shape, gen, kFloat64);
  const bool batch_stats = training || !old_mean.defined();
  const Tensor m = batch_stats ? Tensor() : old_mean;
  const Tensor is = batch_stats ? Tensor() : rsqrt(add(old_var, 1e-5));
  const Tensor w = bn.weight().defined() ? bn.weight().value() : Tensor();
  const Tensor b = bn.bias().defined() ? bn.bias().value() : Tensor();
  const Result r = run(&batch_norm_composed, x, w, b, m, is, g);

  Variable xv(x.clone(), true);
  if (bn.weight().defined()) {
    bn.weight().zero_grad();
    bn.bias().zero_grad();
  }
  Variable y = bn(xv);
  backward(y, Variable(g));
  CHECK_TENSOR_CLOSE(y.value(), r.y, 1e-10);
  CHECK_TENSOR_CLOSE(xv.grad().value(), r.dx, 1e-10);
  if (bn.weight().defined()) {
    CHECK_TENSOR_CLOSE(bn.weight().grad().value(), r.dw, 1e-10);
    CHECK_TENSOR_CLOSE(bn.bias().grad().value(), r.db, 1e-10);
  }
  if (!old_mean.defined()) return;
  if (training) {
    const double n = static_cast<double>(x.numel() / c);
    CHECK_TENSOR_CLOSE(bn.running_mean(), add(mul(old_mean, 0.9), mul(r.mean, 0.1)), 1e-12);
    CHECK_TENSOR_CLOSE(bn.running_var(), add(mul(old_var, 0.9), mul(r.var, 0.1 * n / (n - 1))),
                       1e-12);
  } else {
    CHECK(testing::bitwise_equal(bn.running_mean(), old_mean));
    CHECK(testing::bitwise_equal(bn.running_var(), old_var));
  }
}

TEST_CASE("batchnorm: the layer matches the composition in every mode, N = 2 included") {
  for (bool training : {true, false}) {
    CAPTURE(training);
    BatchNorm1d a(5);
    check_layer_against_composition(a, {2, 5}, training);
    BatchNorm1d b(3, {.momentum = 0.1, .affine = false});
    check_layer_against_composition(b, {2, 3, 7}, training);
    BatchNorm2d c(4, {.track_running_stats = false});
    check_layer_against_composition(c, {2, 4, 3, 5}, training);
    BatchNorm2d d(3, {.affine = false, .track_running_stats = false});
    check_layer_against_composition(d, {3, 3, 2, 2}, training);
    BatchNorm2d e(6);
    check_layer_against_composition(e, {2, 6, 4, 4}, training);
  }
}

TEST_CASE("batchnorm: double backward through the layer (R1 / WGAN-GP through a critic)") {
  Generator gen(11);
  for (bool training : {true, false}) {
    CAPTURE(training);
    BatchNorm2d bn(2);
    bn.to(kFloat64);
    bn.train(training);
    bn.weight().value().copy_(add(rand({2}, gen, kFloat64), 0.5));
    bn.bias().value().copy_(randn({2}, gen, kFloat64));
    bn.running_var().copy_(tensor({0.7, 1.9}, kFloat64));
    // x -> the layer (its weight and bias in the graph as leaves): every backward's backward.
    VariableFn f = [&bn](const std::vector<Variable>& v) {
      return std::vector<Variable>{bn(v[0])};
    };
    std::vector<Variable> in{Variable(randn({3, 2, 2, 3}, gen, kFloat64), true)};
    GradcheckResult r = gradgradcheck(f, in);
    CHECK_MESSAGE(r.ok, r.message);
  }
  // The fused op directly, with the weight and bias as checked inputs too.
  VariableFn g = [](const std::vector<Variable>& v) {
    return std::vector<Variable>{batch_norm_fused(v[0], v[1], v[2], Tensor(), Tensor(), 1e-5)};
  };
  std::vector<Variable> in{Variable(randn({4, 3, 5}, gen, kFloat64), true),
                           Variable(add(rand({3}, gen, kFloat64), 0.5), true),
                           Variable(randn({3}, gen, kFloat64), true)};
  GradcheckResult r = gradgradcheck(g, in);
  CHECK_MESSAGE(r.ok, r.message);
}

TEST_CASE("batchnorm: the kernels give the same bits on 1 and 2 threads") {
  Generator gen(5);
  const int threads = get_num_threads();
  for (const Shape& shape : {Shape{64, 3136}, Shape{16, 8, 48, 48}}) {
    CAPTURE(shape_str(shape));
    const Tensor x = randn(shape, gen), g = randn(shape, gen);
    const Tensor w = rand({shape[1]}, gen), b = randn({shape[1]}, gen);
    std::vector<Tensor> outs[2];
    for (int t : {1, 2}) {
      set_num_threads(t);
      BatchNormForward f = batch_norm_forward(x, w, b, 1e-5);
      BatchNormGrads d = batch_norm_backward(g, x, f.mean, f.invstd, w, true, true, true, true);
      outs[t - 1] = {f.y, f.mean, f.var, d.input, d.weight, d.bias};
    }
    set_num_threads(threads);
    for (std::size_t i = 0; i < outs[0].size(); ++i)
      CHECK(testing::bitwise_equal(outs[0][i], outs[1][i]));
  }
}

}  // namespace
}  // namespace minidl::nn
