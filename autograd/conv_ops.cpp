// Convolution primitives: unfold2d (im2col) and fold2d (col2im), over the window geometry of
// tensor/conv.h. Shapes: x [N, C, H, W]; cols [C*kH*kW, N*L], L = H_out * W_out, row (c, kh, kw),
// column (n, oh, ow). Both are linear and each is the other's adjoint (<unfold(x), y> =
// <x, fold(y)>), so each backward is the other op, like index_select / index_add, and both stay
// differentiable for second-order gradients. conv2d and the pools (autograd/conv.cpp) are built on
// them.
#include "autograd/op_util.h"
#include "tensor/conv.h"

namespace minidl {

using detail::Grads;
using detail::Inputs;

// unfold2d: cols[(c, kh, kw), (n, oh, ow)] = x[n, c, oh*s_h - p_h + kh*d_h, ow*s_w - p_w + kw*d_w]
//   (0 where that pixel is padding).   dx = fold2d(g, {H, W}).
Variable unfold2d(const Variable& x, const Window2d& window) {
  return annotate(record("unfold2d", im2col(x.value(), window), {x},
                         [window](const Inputs& in, const Variable&, const Variable& g) {
                           return Grads{fold2d(g, {in[0].size(2), in[0].size(3)}, window)};
                         }),
                  [&] { return detail::window_attrs(window); });
}

// fold2d: out[n, c, ih, iw] = sum of cols[(c, kh, kw), (n, oh, ow)] over every (kh, kw, oh, ow)
//   whose window pixel is (ih, iw).   dcols = unfold2d(g).
Variable fold2d(const Variable& cols, Pair image_size, const Window2d& window) {
  return annotate(record("fold2d", col2im(cols.value(), image_size, window), {cols},
                         [window](const Inputs&, const Variable&, const Variable& g) {
                           return Grads{unfold2d(g, window)};
                         }),
                  [&] { return detail::window_attrs(window); });
}

}  // namespace minidl
