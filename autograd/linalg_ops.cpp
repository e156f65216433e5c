// Matrix product. Shapes: a [..., M, K] (or [..., K, M] when trans_a), b [..., K, N] (or
// [..., N, K] when trans_b), out [..., M, N] with batch axes broadcast.
#include <functional>

#include "autograd/op_util.h"
#include "autograd/profiler.h"
#include "autograd/tape.h"
#include "tensor/parallel.h"

namespace minidl {

using detail::fold;
using detail::Grads;
using detail::Inputs;

namespace {

// The profiler's FLOPs and bytes of a product computed as tensors (its matmul rule, profiler.cpp),
// for the backward event that runs it; counted on the calling thread after product_pair.
void add_product_work(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (!detail::profiling() || out.dim() < 2 || out.shape()[out.dim() - 2] == 0) return;
  const double mk =
      static_cast<double>(a.shape()[a.dim() - 2]) * static_cast<double>(a.shape().back());
  detail::profile_add_work(
      2 * static_cast<double>(out.numel()) * mk / static_cast<double>(out.shape()[out.dim() - 2]),
      static_cast<double>(out.nbytes() + a.nbytes() + b.nbytes()));
}

// Below this many multiply-adds per product the pair runs one after the other: handing two tiny
// products to the pool costs more than it saves.
constexpr double kSideBySideMacs = 1 << 18;

// first() and second() side by side when each product has `macs` multiply-adds or more.
void product_pair(double macs, const std::function<void()>& first,
                  const std::function<void()>& second) {
  if (macs >= kSideBySideMacs) {
    parallel_invoke(first, second);
  } else {
    first();
    second();
  }
}

// g folded to an operand's shape as a tensor (fold() without recording).
Tensor fold_tensor(const Tensor& g, const Shape& shape) {
  return g.shape() == shape ? g : minidl::sum_to(g, shape);
}

// A plain backward (no create_graph: grad mode is off while the engine runs it) records nothing,
// so the independent products of a matmul's backward can run as tensors side by side, one per
// core: two [256, 128] x [128, 128] products took 98 us one after the other (each split over both
// cores, 1.3-1.6x faster than on one) and ~70 us side by side (bench_gan's ring GAN). Each keeps
// its own block cut (tensor/matmul.cpp), so the bits are those of the sequential order. With
// create_graph the products are recorded ops and stay on this thread: the tape is per thread.
// (parallel_invoke, tensor/parallel.h; products under kSideBySideMacs stay in order.)
//
// The primitive proper: both operands of rank >= 2.
//   out = op(A) op(B), op = transpose or not.
//   dA = g op(B)^T           (not trans_a)    dA = op(B) g^T   (trans_a)
//   dB = op(A)^T g           (not trans_b)    dB = g^T op(A)   (trans_b)
// each written as another matmul with transpose flags, so no transposed copy is ever made, and
// folded over broadcast batch axes.
Variable matmul_nd(const Variable& a, const Variable& b, bool ta, bool tb) {
  const detail::OpTimer timer;
  return annotate(
      record("matmul", minidl::matmul(a.value(), b.value(), ta, tb), {a, b},
             [ta, tb](const Inputs& in, const Variable&, const Variable& g) {
               if (!grad_enabled() && in[0].requires_grad() && in[1].requires_grad()) {
                 const Tensor &x = in[0].value(), &y = in[1].value(), &gv = g.value();
                 Tensor pa, pb;  // the products, before folding broadcast batch axes
                 const std::int64_t k = ta ? x.shape()[x.dim() - 2] : x.shape().back();
                 product_pair(
                     static_cast<double>(gv.numel()) * static_cast<double>(k),
                     [&] {
                       pa =
                           ta ? minidl::matmul(y, gv, tb, true) : minidl::matmul(gv, y, false, !tb);
                     },
                     [&] {
                       pb =
                           tb ? minidl::matmul(gv, x, true, ta) : minidl::matmul(x, gv, !ta, false);
                     });
                 add_product_work(pa, ta ? y : gv, ta ? gv : y);
                 add_product_work(pb, tb ? gv : x, tb ? x : gv);
                 return Grads{Variable(fold_tensor(pa, x.shape())),
                              Variable(fold_tensor(pb, y.shape()))};
               }
               Variable da, db;
               if (in[0].requires_grad())
                 da = fold(ta ? matmul(in[1], g, tb, true) : matmul(g, in[1], false, !tb), in[0]);
               if (in[1].requires_grad())
                 db = fold(tb ? matmul(g, in[0], true, ta) : matmul(in[0], g, !ta, false), in[1]);
               return Grads{da, db};
             }),
      [&] { return detail::matmul_attrs(ta, tb); });
}

}  // namespace

// addmm: out = bias + op(A) op(B), A and B 2-D, bias broadcast to [M, N].
//   dbias = g summed over the axes the bias was broadcast along;  dA, dB as matmul's.
// One node where matmul then add made two: the bias is written into the output and the GEMM adds
// the product to it (tensor/matmul.cpp), which saves the add's pass over [M, N].
namespace {

// addmm's gradients for the output's gradient g: dbias = g summed to the bias's shape,
// d op(a) = g op(b)^T, d op(b) = op(a)^T g (each only where its input requires it).
Grads addmm_grads(const Inputs& in, const Variable& g, bool ta, bool tb) {
  if (!grad_enabled() && in[1].requires_grad() && in[2].requires_grad()) {
    // dA beside (dB, then dbias): the two products on their own cores.
    const Tensor &x = in[1].value(), &y = in[2].value(), &gv = g.value();
    Tensor dbias, da, db;
    const std::int64_t k = ta ? x.shape()[0] : x.shape()[1];
    product_pair(
        static_cast<double>(gv.numel()) * static_cast<double>(k),
        [&] { da = ta ? minidl::matmul(y, gv, tb, true) : minidl::matmul(gv, y, false, !tb); },
        [&] {
          db = tb ? minidl::matmul(gv, x, true, ta) : minidl::matmul(x, gv, !ta, false);
          if (in[0].requires_grad()) dbias = fold_tensor(gv, in[0].shape());
        });
    add_product_work(da, ta ? y : gv, ta ? gv : y);
    add_product_work(db, tb ? gv : x, tb ? x : gv);
    if (dbias.defined() && !dbias.shares_storage(gv) && detail::profiling())
      detail::profile_add_work(static_cast<double>(gv.numel()),
                               static_cast<double>(gv.nbytes() + dbias.nbytes()));
    return Grads{in[0].requires_grad() ? Variable(dbias) : Variable(), Variable(da), Variable(db)};
  }
  Variable dbias, da, db;
  if (in[0].requires_grad()) dbias = fold(g, in[0]);
  if (in[1].requires_grad()) da = ta ? matmul(in[2], g, tb, true) : matmul(g, in[2], false, !tb);
  if (in[2].requires_grad()) db = tb ? matmul(g, in[1], true, ta) : matmul(in[1], g, !ta, false);
  return Grads{dbias, da, db};
}

// The node of addmm (relu false) or addmm_relu: operands promoted to one dtype, the product (and
// the rectifier) in one tensor op. addmm_relu's gradient is addmm's for g' = out <= 0 ? 0 : g
// (relu's, from the output), so its node keeps only the output; under create_graph g' is the
// same blend of differentiable ops as relu's backward.
Variable addmm_node(const Variable& bias0, const Variable& a0, const Variable& b0, bool trans_a,
                    bool trans_b, bool relu) {
  const DType dt = promote(promote(bias0.dtype(), a0.dtype()), b0.dtype());
  const Variable bias = bias0.dtype() == dt ? bias0 : to(bias0, dt);
  const Variable a = a0.dtype() == dt ? a0 : to(a0, dt), b = b0.dtype() == dt ? b0 : to(b0, dt);
  Tensor out = relu ? minidl::addmm_relu(bias.value(), a.value(), b.value(), trans_a, trans_b)
                    : minidl::addmm(bias.value(), a.value(), b.value(), trans_a, trans_b);
  return annotate(record(relu ? "addmm_relu" : "addmm", std::move(out), {bias, a, b},
                         [ta = trans_a, tb = trans_b, relu](const Inputs& in, const Variable& y,
                                                            const Variable& g) {
                           if (!relu) return addmm_grads(in, g, ta, tb);
                           const Variable gate =
                               grad_enabled()
                                   ? where(y.value(), g, scalar_like(g, 0.0))
                                   : Variable(minidl::relu_backward(g.value(), y.value()));
                           return addmm_grads(in, gate, ta, tb);
                         }),
                  [&] { return detail::matmul_attrs(trans_a, trans_b); });
}

}  // namespace

Variable addmm(const Variable& bias, const Variable& a, const Variable& b, bool trans_a,
               bool trans_b) {
  const detail::OpTimer timer;
  return addmm_node(bias, a, b, trans_a, trans_b, false);
}

Variable addmm_relu(const Variable& bias, const Variable& a, const Variable& b, bool trans_a,
                    bool trans_b) {
  const detail::OpTimer timer;
  return addmm_node(bias, a, b, trans_a, trans_b, true);
}

// 1-D operands follow NumPy: a [K] acts as [1, K], b [K] as [K, 1], and the added axis is
// removed from the result (reshape composes the gradient through).
Variable matmul(const Variable& a0, const Variable& b0, bool trans_a, bool trans_b) {
  auto [a, b] = detail::promoted(a0, b0);
  if (a.dim() >= 2 && b.dim() >= 2) return matmul_nd(a, b, trans_a, trans_b);
  MINIDL_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: operands must have rank >= 1, got a ",
               shape_str(a.shape()), " and b ", shape_str(b.shape()));
  Variable a2 = a.dim() == 1 ? reshape(a, {1, a.size(0)}) : a;
  Variable b2 = b.dim() == 1 ? reshape(b, {b.size(0), 1}) : b;
  bool ta = a.dim() == 1 ? false : trans_a;
  bool tb = b.dim() == 1 ? false : trans_b;
  Variable out = matmul_nd(a2, b2, ta, tb);
  Shape s = out.shape();
  if (a.dim() == 1) s.erase(s.end() - 2);
  if (b.dim() == 1) s.erase(s.end() - 1);
  return reshape(out, s);
}

}  // namespace minidl
