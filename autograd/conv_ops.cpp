// Convolution primitives: unfold2d (im2col), fold2d (col2im) and the fused conv2d, over the
// window geometry of tensor/conv.h. Shapes: x [N, C, H, W]; cols [C*kH*kW, N*L], L = H_out * W_out,
// row (c, kh, kw), column (n, oh, ow). Both are linear and each is the other's adjoint (<unfold(x),
// y> = <x, fold(y)>), so each backward is the other op, like index_select / index_add, and both
// stay differentiable for second-order gradients. conv2d and the pools (autograd/conv.cpp) are
// built on them.
//
// conv2d_fused is conv2d as one op: its forward and its backward are tensor/conv_gemm.cpp's
// per-sample kernels, ~2x faster than the composition (autograd/conv.cpp's conv2d_composed) on the
// Fashion CNN. Its backward stays differentiable the way DESIGN.md asks: when it runs with grad
// mode on (create_graph, e.g. a WGAN-GP or R1 penalty through a critic), it builds the gradients
// from unfold2d / fold2d / matmul instead, which record and can be differentiated again; only the
// plain backward (grad mode off) takes the fast kernels. conv_transpose2d_fused is the same for
// the transposed convolution, on the same kernels read the other way round (its forward is
// conv2d's input gradient). max_pool2d_fused does the same for max
// pooling (values and argmax in one pass; the backward one zero-and-scatter per plane).
#include "autograd/op_util.h"
#include "tensor/conv.h"

namespace minidl {

using detail::Grads;
using detail::Inputs;

// unfold2d: cols[(c, kh, kw), (n, oh, ow)] = x[n, c, oh*s_h - p_h + kh*d_h, ow*s_w - p_w + kw*d_w]
//   (0 where that pixel is padding).   dx = fold2d(g, {H, W}).
Variable unfold2d(const Variable& x, const Window2d& window) {
  const detail::OpTimer timer;
  return annotate(record("unfold2d", im2col(x.value(), window), {x},
                         [window](const Inputs& in, const Variable&, const Variable& g) {
                           return Grads{fold2d(g, {in[0].size(2), in[0].size(3)}, window)};
                         }),
                  [&] { return detail::window_attrs(window); });
}

// fold2d: out[n, c, ih, iw] = sum of cols[(c, kh, kw), (n, oh, ow)] over every (kh, kw, oh, ow)
//   whose window pixel is (ih, iw).   dcols = unfold2d(g).
Variable fold2d(const Variable& cols, Pair image_size, const Window2d& window) {
  const detail::OpTimer timer;
  return annotate(record("fold2d", col2im(cols.value(), image_size, window), {cols},
                         [window](const Inputs&, const Variable&, const Variable& g) {
                           return Grads{unfold2d(g, window)};
                         }),
                  [&] { return detail::window_attrs(window); });
}

namespace {

// conv2d's gradients from the primitives (G groups, K = Cg kH kW, O_g = O / G):
//   gy = g as [G, O_g, N L]          (a permute from [N, O, L])
//   dx = fold2d(W^T gy)              W as [G, O_g, K]: [G, K, N L] -> [C kH kW, N L] -> [N, C, H,
//   W] dW = gy unfold2d(x)^T            [G, O_g, K] -> [O, Cg, kH, kW] db = sum of g over N, H_out,
//   W_out
Grads conv2d_grads_composed(const Inputs& in, const Variable& g, const Window2d& win,
                            std::int64_t groups) {
  const Variable &x = in[0], &w = in[1];
  const std::int64_t n = x.size(0), o = w.size(0), k = w.size(1) * w.size(2) * w.size(3);
  const std::int64_t l = g.size(2) * g.size(3);
  Variable gy = reshape(g, {n, o, l});
  if (n > 1) gy = permute(gy, {1, 0, 2});
  gy = reshape(gy, {groups, o / groups, n * l});
  Grads r(in.size());
  if (x.requires_grad()) {
    Variable dcols = matmul(reshape(w, {groups, o / groups, k}), gy, true, false);
    r[0] = fold2d(reshape(dcols, {x.size(1) * w.size(2) * w.size(3), n * l}),
                  {x.size(2), x.size(3)}, win);
  }
  if (w.requires_grad()) {
    Variable cols = reshape(unfold2d(x, win), {groups, k, n * l});
    r[1] = reshape(matmul(gy, cols, false, true), w.shape());
  }
  if (in.size() > 2 && in[2].requires_grad()) r[2] = sum(g, {0, 2, 3});
  return r;
}

}  // namespace

// conv2d_fused: y[n, o] = b[o] + sum_{c' < Cg} W[o, c'] (*) x[n, g Cg + c']   (cross-correlation
//   over the window; g = o / O_g).   dx, dW, db: tensor/conv_gemm.cpp's kernels, or
//   conv2d_grads_composed under create_graph.
Variable conv2d_fused(const Variable& x, const Variable& weight, const Variable& bias,
                      const Window2d& window, std::int64_t groups) {
  const detail::OpTimer timer;
  Tensor y = conv2d_forward(x.value(), weight.value(), bias.defined() ? bias.value() : Tensor(),
                            window, groups);
  Inputs inputs = bias.defined() ? Inputs{x, weight, bias} : Inputs{x, weight};
  auto backward = [window, groups](const Inputs& in, const Variable&, const Variable& g) {
    if (grad_enabled()) return conv2d_grads_composed(in, g, window, groups);
    const bool has_bias = in.size() > 2;
    Conv2dGrads r = conv2d_backward(g.value(), in[0].value(), in[1].value(), window, groups,
                                    in[0].requires_grad(), in[1].requires_grad(),
                                    has_bias && in[2].requires_grad());
    auto wrap = [](Tensor& t) { return t.defined() ? Variable(std::move(t)) : Variable(); };
    Grads out{wrap(r.input), wrap(r.weight)};
    if (has_bias) out.push_back(wrap(r.bias));
    return out;
  };
  return annotate(record("conv2d", std::move(y), std::move(inputs), backward), [&] {
    const std::string w = detail::window_attrs(window);
    return groups == 1 ? w : w + " groups=" + std::to_string(groups);
  });
}

namespace {

// conv_transpose2d's gradients from the primitives (x [N, C, H, W], W [C, O_g, kH, kW] as
// [G, C_g, K] with K = O_g kH kW, g [N, O, out]); the gradients of its composed form:
//   cols = unfold2d(g) [O kH kW, N L] as [G, K, N L]   (L = H W: g's windows are x's pixels)
//   dx = W cols                      [G, C_g, N L] -> [C, N, L] -> [N, C, H, W]
//   dW = x cols^T                    x as [G, C_g, N L]: [G, C_g, K] -> W's shape
//   db = sum of g over N, H_out, W_out
Grads conv_transpose2d_grads_composed(const Inputs& in, const Variable& g, const Window2d& win,
                                      std::int64_t groups) {
  const Variable &x = in[0], &w = in[1];
  const std::int64_t n = x.size(0), c = x.size(1), l = x.size(2) * x.size(3);
  const std::int64_t k = w.size(1) * w.size(2) * w.size(3), cg = c / groups;
  Grads r(in.size());
  if (x.requires_grad() || w.requires_grad()) {
    Variable cols = reshape(unfold2d(g, win), {groups, k, n * l});
    if (x.requires_grad()) {
      Variable dx = reshape(matmul(reshape(w, {groups, cg, k}), cols), {c, n, l});
      if (n > 1) dx = permute(dx, {1, 0, 2});
      r[0] = reshape(dx, x.shape());
    }
    if (w.requires_grad()) {
      Variable xs = reshape(x, {n, c, l});
      if (n > 1) xs = permute(xs, {1, 0, 2});
      r[1] = reshape(matmul(reshape(xs, {groups, cg, n * l}), cols, false, true), w.shape());
    }
  }
  if (in.size() > 2 && in[2].requires_grad()) r[2] = sum(g, {0, 2, 3});
  return r;
}

// The plain (grad mode off) backward: dx = conv2d_forward(g, W), dW = conv2d's weight gradient
// with x and g swapped, db = sums of g. Those per-sample kernels make GEMMs with x's H W as one
// side (dx: [C_g, K] x [K, H W]) or the inner dimension (dW): at DCGAN's 7x7 that is 49, too
// short for BLAS to run well, and the fused backward lost to the composition (bench_conv
// convt1_bwd). Below kSmallPlane the whole batch goes through one GEMM each with N H W as that
// dimension, on unfold(g) [G, K, N H W], as the composition does.
constexpr std::int64_t kSmallPlane = 64;
Grads conv_transpose2d_grads_fast(const Inputs& in, const Tensor& g, const Window2d& win,
                                  std::int64_t groups) {
  const Tensor &x = in[0].value(), &w = in[1].value();
  const std::int64_t n = x.size(0), c = x.size(1), l = x.size(2) * x.size(3);
  const bool need_x = in[0].requires_grad(), need_w = in[1].requires_grad();
  Grads out(in.size());
  if (l >= kSmallPlane || n == 1) {
    if (need_x) out[0] = Variable(conv2d_forward(g, w, Tensor(), win, groups));
    if (need_w) out[1] = Variable(conv2d_backward(x, g, w, win, groups, false, true, false).weight);
  } else if (need_x || need_w) {
    const std::int64_t k = w.size(1) * w.size(2) * w.size(3), cg = c / groups;
    const Tensor cols = im2col(g, win).reshape({groups, k, n * l});
    if (need_x) {
      const Tensor dx = matmul(w.reshape({groups, cg, k}), cols).reshape({c, n, l});
      out[0] = Variable(permute(dx, {1, 0, 2}).reshape(x.shape()));
    }
    if (need_w) {
      const Tensor xs = permute(x.reshape({n, c, l}), {1, 0, 2}).reshape({groups, cg, n * l});
      out[1] = Variable(matmul(xs, cols, false, true).reshape(w.shape()));
    }
  }
  if (in.size() > 2 && in[2].requires_grad()) out[2] = Variable(sum(g, {0, 2, 3}));
  return out;
}

}  // namespace

// conv_transpose2d_fused: y[n] = b + col2im(W^T x[n]) (conv2d's input gradient, tensor/conv.h)
//   onto an `out`-sized image of which the window takes exactly x's H x W positions.
//   dx = conv2d_forward(g, W), dW = conv2d's weight gradient with x and g swapped, db = sums of g
//   (conv_transpose2d_grads_fast); conv_transpose2d_grads_composed under create_graph.
Variable conv_transpose2d_fused(const Variable& x, const Variable& weight, const Variable& bias,
                                const Window2d& window, std::int64_t groups, Pair out) {
  const detail::OpTimer timer;
  Tensor y = conv_transpose2d_forward(
      x.value(), weight.value(), bias.defined() ? bias.value() : Tensor(), window, groups, out);
  Inputs inputs = bias.defined() ? Inputs{x, weight, bias} : Inputs{x, weight};
  auto backward = [window, groups](const Inputs& in, const Variable&, const Variable& g) {
    if (grad_enabled()) return conv_transpose2d_grads_composed(in, g, window, groups);
    return conv_transpose2d_grads_fast(in, g.value(), window, groups);
  };
  return annotate(record("conv_transpose2d", std::move(y), std::move(inputs), backward), [&] {
    const std::string w = detail::window_attrs(window);
    return groups == 1 ? w : w + " groups=" + std::to_string(groups);
  });
}

// max_pool2d_fused: y[n, c, i, j] = x[n, c, idx[n, c, i, j]], idx the first maximum of each
//   window (tensor/conv.h), values and argmax in one pass.   dx = g added at idx (zero
//   elsewhere): one kernel, or under create_graph scatter_add into zeros (differentiable: its
//   gradient in g is gather).
// The tape keeps the argmax as one byte per window (its offset in the window) rather than an int64
// index: 8x less to write in the forward and read in the backward, on a memory-bound op. Windows
// of more than 256 pixels keep the indices.
Variable max_pool2d_fused(const Variable& x, const Window2d& window) {
  const detail::OpTimer timer;
  const bool compact = window.kernel[0] * window.kernel[1] <= 256;
  // Named, not a structured binding: clang before 16 cannot capture a binding in a lambda.
  auto pooled = compact ? max_pool2d_forward_offsets(x.value(), window)
                        : max_pool2d_forward(x.value(), window);
  Tensor values = std::move(pooled.first), arg = std::move(pooled.second);
  const Shape out_shape = values.shape();
  auto backward = [arg, compact, window, out_shape](const Inputs& in, const Variable&,
                                                    const Variable& g) {
    const Variable& xi = in[0];
    const Pair image{xi.size(2), xi.size(3)};
    if (!grad_enabled())
      return Grads{Variable(compact ? max_pool2d_backward_offsets(g.value(), arg, image, window)
                                    : max_pool2d_backward(g.value(), arg, image))};
    const Tensor idx = compact ? max_pool2d_offsets_to_indices(arg, out_shape, image, window) : arg;
    const std::int64_t n = xi.size(0), c = xi.size(1), l = idx.size(2) * idx.size(3);
    Variable dx = scatter_add(detail::constant(zeros({n, c, xi.size(2) * xi.size(3)}, xi.dtype())),
                              2, idx.reshape({n, c, l}), reshape(g, {n, c, l}));
    return Grads{reshape(dx, xi.shape())};
  };
  return annotate(record("max_pool2d", std::move(values), {x}, backward),
                  [&] { return detail::window_attrs(window); });
}

}  // namespace minidl
