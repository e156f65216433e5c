// Matrix product. Shapes: a [..., M, K] (or [..., K, M] when trans_a), b [..., K, N] (or
// [..., N, K] when trans_b), out [..., M, N] with batch axes broadcast.
#include "autograd/op_util.h"

namespace minidl {

using detail::fold;
using detail::Grads;
using detail::Inputs;

namespace {

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
Variable addmm(const Variable& bias0, const Variable& a0, const Variable& b0, bool trans_a,
               bool trans_b) {
  const detail::OpTimer timer;
  const DType dt = promote(promote(bias0.dtype(), a0.dtype()), b0.dtype());
  const Variable bias = bias0.dtype() == dt ? bias0 : to(bias0, dt);
  const Variable a = a0.dtype() == dt ? a0 : to(a0, dt), b = b0.dtype() == dt ? b0 : to(b0, dt);
  return annotate(
      record("addmm", minidl::addmm(bias.value(), a.value(), b.value(), trans_a, trans_b),
             {bias, a, b},
             [ta = trans_a, tb = trans_b](const Inputs& in, const Variable&, const Variable& g) {
               Variable dbias, da, db;
               if (in[0].requires_grad()) dbias = fold(g, in[0]);
               if (in[1].requires_grad())
                 da = ta ? matmul(in[2], g, tb, true) : matmul(g, in[2], false, !tb);
               if (in[2].requires_grad())
                 db = tb ? matmul(g, in[1], true, ta) : matmul(in[1], g, !ta, false);
               return Grads{dbias, da, db};
             }),
      [&] { return detail::matmul_attrs(trans_a, trans_b); });
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
