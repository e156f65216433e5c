// Convolution and pooling composed from primitives (see autograd/conv.h for the API and shapes):
// unfold2d / fold2d for the windows, matmul for the products, a fused op for max pooling, sum and
// div for average pooling. No backward here: gradients of every order come from the primitives
// (conv2d's own op, conv2d_fused, keeps that property; autograd/conv_ops.cpp).
//
// Shape legend: N batch, C (C_in) input channels, O (C_out) output channels, G groups,
// Cg = C / G, H x W image, kH x kW kernel, Ho x Wo = L output positions.
#include "autograd/conv.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/profiler.h"
#include "tensor/conv.h"
#include "tensor/ops.h"

namespace minidl {
namespace {

void check_image(const Variable& x, const char* op) {
  MINIDL_CHECK(x.defined(), op, ": undefined input");
  MINIDL_CHECK(x.dim() == 4, op, ": input must be [N, C, H, W], got shape ", shape_str(x.shape()));
  MINIDL_CHECK(is_floating(x.dtype()), op, ": input must be float32 or float64, got ",
               dtype_name(x.dtype()));
}

// The pooling window: stride {0, 0} means the kernel size; padding at most half the kernel, as in
// PyTorch (so a window can start in padding but never lies wholly in it without dilation).
Window2d pool_window(const Variable& x, const Pool2dOptions& o, const char* op) {
  check_image(x, op);
  Window2d w;
  w.kernel = o.kernel_size;
  w.stride = o.stride == Pair{0, 0} ? o.kernel_size : o.stride;
  w.padding = o.padding;
  w.dilation = o.dilation;
  w.ceil_mode = o.ceil_mode;
  check_window(w, op);
  MINIDL_CHECK(w.padding[0] <= w.kernel[0] / 2 && w.padding[1] <= w.kernel[1] / 2, op, ": padding ",
               w.padding[0], "x", w.padding[1], " must be at most half the kernel size ",
               w.kernel[0], "x", w.kernel[1]);
  return w;
}

}  // namespace

// conv2d: out[n, o, i, j] = b[o] + sum_{c' < Cg, kh, kw} w[o, c', kh, kw]
//                                    x[n, g Cg + c', i*s_h - p_h + kh*d_h, j*s_w - p_w + kw*d_w]
//   with g = o / (O/G) the group of output channel o (x is 0 in the padding).
// conv2d runs it as one op, conv2d_fused (autograd/conv_ops.cpp: per-sample im2col and GEMM,
// backward by fast kernels, or by the composition below under create_graph). conv2d_composed is
// the composition itself, kept as the reference the tests and bench/conv_bench compare with,
// as one GEMM over the whole batch: cols = unfold2d(x) [C*kH*kW, N*L], then
//   Y = W [O, C*kH*kW] x cols            -> [O, N*L]          (G = 1)
//   Y = W [G, O/G, Cg*kH*kW] x cols [G, Cg*kH*kW, N*L]       (groups: a batched product; each
//                                          group's rows of cols are a contiguous block)
// plus bias per row, then one permute [O, N, L] -> [N, O, L]. Backward (from the primitives):
// dW = dY cols^T and dcols = W^T dY are one GEMM each, dx = fold2d(dcols), db = row sums of dY.
namespace {

// conv2d's argument checks; returns the window.
Window2d conv2d_window(const Variable& input, const Variable& weight, const Variable& bias,
                       const Conv2dOptions& options) {
  check_image(input, "conv2d");
  MINIDL_CHECK(weight.defined() && weight.dim() == 4,
               "conv2d: weight must be [C_out, C_in / groups, kH, kW], got shape ",
               weight.defined() ? shape_str(weight.shape()) : std::string("undefined"));
  MINIDL_CHECK(weight.dtype() == input.dtype(), "conv2d: dtype mismatch, input ",
               dtype_name(input.dtype()), " vs weight ", dtype_name(weight.dtype()));
  const std::int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const std::int64_t o = weight.size(0), cg = weight.size(1), kh = weight.size(2),
                     kw = weight.size(3), g = options.groups;
  MINIDL_CHECK(g >= 1, "conv2d: groups must be >= 1, got ", g);
  MINIDL_CHECK(c % g == 0, "conv2d: input channels ", c, " not divisible by groups ", g);
  MINIDL_CHECK(o % g == 0, "conv2d: output channels ", o, " not divisible by groups ", g);
  MINIDL_CHECK(cg * g == c, "conv2d: input has ", c, " channels but weight expects ", cg * g,
               " (groups ", g, ")");
  if (bias.defined()) {
    MINIDL_CHECK(bias.shape() == Shape{o}, "conv2d: bias shape ", shape_str(bias.shape()),
                 " does not match ", o, " output channels");
    MINIDL_CHECK(bias.dtype() == input.dtype(), "conv2d: dtype mismatch, input ",
                 dtype_name(input.dtype()), " vs bias ", dtype_name(bias.dtype()));
  }
  const Window2d win{{kh, kw}, options.stride, options.padding, options.dilation, false};
  check_window(win, "conv2d");
  // Both fit int64 (check_window); the padded sizes saturate, as an empty input's H or W may be
  // near 2^63 (the comparison stays exact: ekh and ekw are at most 2^63-1).
  const std::int64_t ekh = win.dilation[0] * (kh - 1) + 1, ekw = win.dilation[1] * (kw - 1) + 1;
  auto padded = [](std::int64_t size, std::int64_t pad) {
    std::int64_t p = 0;
    return __builtin_add_overflow(size, 2 * pad, &p) ? std::numeric_limits<std::int64_t>::max() : p;
  };
  const std::int64_t ph = padded(h, win.padding[0]), pw = padded(w, win.padding[1]);
  MINIDL_CHECK(ekh <= ph && ekw <= pw, "conv2d: kernel ", kh, "x", kw, " (dilation ",
               win.dilation[0], "x", win.dilation[1], ") is larger than the padded input ", ph, "x",
               pw);
  const Pair out = window_out_size(win, {h, w}, "conv2d");
  // Checked: with an empty batch or weight nothing else bounds them.
  shape_numel({out[0], out[1]}, "conv2d");
  shape_numel({cg, kh, kw}, "conv2d");
  shape_numel({n, o, out[0], out[1]}, "conv2d");
  return win;
}

}  // namespace

Variable conv2d(const Variable& input, const Variable& weight, const Variable& bias,
                const Conv2dOptions& options) {
  ProfileScope profiled("conv2d");
  const Window2d win = conv2d_window(input, weight, bias, options);
  const Pair out = window_out_size(win, {input.size(2), input.size(3)}, "conv2d");
  profiled.add_flops(2.0 * static_cast<double>(input.size(0)) *
                     static_cast<double>(weight.size(0)) * static_cast<double>(out[0] * out[1]) *
                     static_cast<double>(weight.size(1) * weight.size(2) * weight.size(3)));
  return conv2d_fused(input, weight, bias, win, options.groups);
}

Variable conv2d_composed(const Variable& input, const Variable& weight, const Variable& bias,
                         const Conv2dOptions& options) {
  const Window2d win = conv2d_window(input, weight, bias, options);
  const std::int64_t n = input.size(0), o = weight.size(0), g = options.groups;
  const Pair out = window_out_size(win, {input.size(2), input.size(3)}, "conv2d");
  const std::int64_t l = out[0] * out[1], k = weight.size(1) * weight.size(2) * weight.size(3);
  Variable cols = unfold2d(input, win);  // [C*kH*kW, N*L]
  Variable y = g == 1 ? matmul(reshape(weight, {o, k}), cols)
                      : matmul(reshape(weight, {g, o / g, k}), reshape(cols, {g, k, n * l}));
  y = reshape(y, {o, n, l});
  if (bias.defined()) y = add(y, reshape(bias, {o, 1, 1}));
  // With one sample [O, 1, L] is already [1, O, L] in memory.
  if (n > 1) y = permute(y, {1, 0, 2});
  return reshape(y, {n, o, out[0], out[1]});
}

// conv_transpose2d: the adjoint of conv2d in its input. With the same window (kernel, stride,
// padding, dilation) read backwards, every input pixel x[n, c, i, j] scatters its products with
// the kernel onto the output:
//   out[n, o, i*s_h - p_h + kh*d_h, j*s_w - p_w + kw*d_w] += w[c, o', kh, kw] x[n, c, i, j]
//   with o = g O/G + o' for c in group g (positions in the padding are dropped), plus bias[o].
// So it is conv2d's backward to the input written forwards: one GEMM
//   cols = W^T [O*kH*kW, C] x X [C, N*H*W]   (groups: W [G, C/G, O/G*kH*kW] batched, transposed)
// and fold2d(cols) onto the output, where the input positions are fold2d's windows: with
// output_padding < stride exactly H x W windows fit it. output_padding extends the output at the
// bottom / right into what would otherwise be cropped as padding (or, past the last pixel any
// window reaches, adds zeros). PyTorch requires output_padding < stride or < dilation, so that it
// stays an ambiguity of the size and not a new output; we check the same. The size without
// output_padding must be >= 1 here (PyTorch only needs the full size to be).
// Backward (from the primitives): dX = W cols-grad = conv2d(dY) in effect (unfold2d, then one
// GEMM), dW = X dcols^T, db = sums of dY over N, H, W; all differentiable again.
namespace {

struct TransposeGeometry {
  Window2d win;
  Pair base, out;  // output size without and with output_padding
};

// conv_transpose2d's argument checks; returns the window and the output sizes.
TransposeGeometry conv_transpose2d_geometry(const Variable& input, const Variable& weight,
                                            const Variable& bias,
                                            const ConvTranspose2dOptions& options) {
  const char* op = "conv_transpose2d";
  check_image(input, op);
  MINIDL_CHECK(weight.defined() && weight.dim() == 4, op,
               ": weight must be [C_in, C_out / groups, kH, kW], got shape ",
               weight.defined() ? shape_str(weight.shape()) : std::string("undefined"));
  MINIDL_CHECK(weight.dtype() == input.dtype(), op, ": dtype mismatch, input ",
               dtype_name(input.dtype()), " vs weight ", dtype_name(weight.dtype()));
  const std::int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const std::int64_t og = weight.size(1), kh = weight.size(2), kw = weight.size(3),
                     g = options.groups;
  MINIDL_CHECK(g >= 1, op, ": groups must be >= 1, got ", g);
  MINIDL_CHECK(weight.size(0) == c, op, ": input has ", c, " channels but weight expects ",
               weight.size(0), " (weight ", shape_str(weight.shape()), ")");
  MINIDL_CHECK(c % g == 0, op, ": input channels ", c, " not divisible by groups ", g);
  const std::int64_t o = shape_numel({og, g}, op);
  if (bias.defined()) {
    MINIDL_CHECK(bias.shape() == Shape{o}, op, ": bias shape ", shape_str(bias.shape()),
                 " does not match ", o, " output channels");
    MINIDL_CHECK(bias.dtype() == input.dtype(), op, ": dtype mismatch, input ",
                 dtype_name(input.dtype()), " vs bias ", dtype_name(bias.dtype()));
  }
  const Window2d win{{kh, kw}, options.stride, options.padding, options.dilation, false};
  check_window(win, op);
  const Pair& opad = options.output_padding;
  for (std::size_t a = 0; a < 2; ++a)
    MINIDL_CHECK(opad[a] >= 0 && (opad[a] < win.stride[a] || opad[a] < win.dilation[a]), op,
                 ": output_padding ", opad[0], "x", opad[1],
                 " must be non-negative and smaller than either stride ", win.stride[0], "x",
                 win.stride[1], " or dilation ", win.dilation[0], "x", win.dilation[1]);
  // (in - 1) s - 2 p + d (k - 1) + 1, checked for overflow: every factor is user-given.
  auto base_size = [&](std::size_t a, std::int64_t in) {
    std::int64_t span = 0, ext = 0, out = 0;
    const bool bad = __builtin_mul_overflow(in - 1, win.stride[a], &span) ||
                     __builtin_mul_overflow(win.dilation[a], win.kernel[a] - 1, &ext) ||
                     __builtin_add_overflow(span, ext + 1, &out) ||
                     __builtin_sub_overflow(out, 2 * win.padding[a], &out);
    MINIDL_CHECK(!bad, op, ": output size overflows int64 (input ", h, "x", w, ")");
    return out;
  };
  MINIDL_CHECK(h >= 1 && w >= 1, op, ": input must have H, W >= 1, got ", h, "x", w);
  const Pair base = {base_size(0, h), base_size(1, w)};
  MINIDL_CHECK(base[0] >= 1 && base[1] >= 1, op, ": output size ", base[0] + opad[0], "x",
               base[1] + opad[1], " is too small: input ", h, "x", w, ", kernel ", kh, "x", kw,
               ", stride ", win.stride[0], "x", win.stride[1], ", padding ", win.padding[0], "x",
               win.padding[1], ", dilation ", win.dilation[0], "x", win.dilation[1]);
  shape_numel({h, w}, op);
  shape_numel({og, kh, kw}, op);
  Pair out = {0, 0};
  MINIDL_CHECK(!__builtin_add_overflow(base[0], opad[0], &out[0]) &&
                   !__builtin_add_overflow(base[1], opad[1], &out[1]),
               op, ": output size overflows int64 (input ", h, "x", w, ")");
  shape_numel({n, o, out[0], out[1]}, op);
  return {win, base, out};
}

}  // namespace

// conv_transpose2d runs as one op, conv_transpose2d_fused (autograd/conv_ops.cpp: per-sample
// GEMM and col2im, the conv2d kernels read the other way round), whenever output_padding <
// stride, i.e. whenever fold2d can fold straight onto the output; the rare output_padding >=
// stride (allowed below the dilation) takes the composition.
Variable conv_transpose2d(const Variable& input, const Variable& weight, const Variable& bias,
                          const ConvTranspose2dOptions& options) {
  const ProfileScope profiled("conv_transpose2d");
  const TransposeGeometry tg = conv_transpose2d_geometry(input, weight, bias, options);
  const Pair& opad = options.output_padding;
  if (opad[0] < tg.win.stride[0] && opad[1] < tg.win.stride[1])
    return conv_transpose2d_fused(input, weight, bias, tg.win, options.groups, tg.out);
  return conv_transpose2d_composed(input, weight, bias, options);
}

Variable conv_transpose2d_composed(const Variable& input, const Variable& weight,
                                   const Variable& bias, const ConvTranspose2dOptions& options) {
  const TransposeGeometry tg = conv_transpose2d_geometry(input, weight, bias, options);
  const Window2d& win = tg.win;
  const Pair &base = tg.base, &out = tg.out, &opad = options.output_padding;
  const std::int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const std::int64_t og = weight.size(1), kh = weight.size(2), kw = weight.size(3),
                     g = options.groups, o = og * g;
  const std::int64_t l = h * w, k = og * kh * kw;

  Variable x = reshape(input, {n, c, l});
  if (n > 1) x = permute(x, {1, 0, 2});  // [C, N, L]; with one sample already in that order
  Variable cols =
      g == 1 ? matmul(reshape(weight, {c, k}), reshape(x, {c, n * l}), true, false)
             : matmul(reshape(weight, {g, c / g, k}), reshape(x, {g, c / g, n * l}), true, false);
  cols = reshape(cols, {o * kh * kw, n * l});
  Variable y;
  if (opad[0] < win.stride[0] && opad[1] < win.stride[1]) {
    // Exactly H x W windows fit the output with the conv's own padding: fold straight onto it.
    y = fold2d(cols, out, win);
  } else {
    // output_padding >= stride (allowed below the dilation) would fit more windows than H: fold
    // onto the whole unpadded canvas (in - 1) s + d (k - 1) + 1 instead, then keep rows
    // [p, p + out), zeros past the canvas.
    Window2d bare = win;
    bare.padding = {0, 0};
    const Pair canvas = {base[0] + 2 * win.padding[0], base[1] + 2 * win.padding[1]};
    y = fold2d(cols, canvas, bare);
    Pair extra = {0, 0};
    for (std::size_t a = 0; a < 2; ++a) {
      const std::int64_t p = win.padding[a], end = std::min(canvas[a], p + out[a]);
      if (p != 0 || end != canvas[a]) y = slice(y, 2 + static_cast<std::int64_t>(a), p, end);
      extra[a] = out[a] - (end - p);
    }
    if (extra[0] != 0 || extra[1] != 0) y = pad(y, {0, extra[1], 0, extra[0]});
  }
  if (bias.defined()) y = add(y, reshape(bias, {1, o, 1, 1}));
  return y;
}

// max_pool2d: out[n, c, i, j] = max over the window of x (padding -inf), taken as
//   idx = argmax positions (flat ih*W + iw, first maximum; tensor/conv.h), then
//   out = x viewed as [N, C, H*W] at idx (gather's definition)
// so the gradient is gather's: each output's g goes to its argmax pixel (scatter_add). One op,
// max_pool2d_fused (autograd/conv_ops.cpp), computes both in one pass.
Variable max_pool2d(const Variable& input, const Pool2dOptions& options) {
  const ProfileScope profiled("max_pool2d");
  const Window2d win = pool_window(input, options, "max_pool2d");
  // Checked: an empty batch does not bound H*W.
  shape_numel({input.size(2), input.size(3)}, "max_pool2d");
  return max_pool2d_fused(input, win);
}

// avg_pool2d: out[n, c, i, j] = (sum of x over the window) / divisor[i, j], with PyTorch's divisor:
//   the window clipped to the padded image (count_include_pad) or to the image itself; under
//   ceil_mode a last window past the padded end is clipped too. The divisor factors into a row
//   part and a column part. Sums: unfold2d of x viewed as [N*C, 1, H, W] gives [kH*kW, N*C*L];
//   its column sums are the window sums.
Variable avg_pool2d(const Variable& input, const Pool2dOptions& options) {
  const ProfileScope profiled("avg_pool2d");
  const Window2d win = pool_window(input, options, "avg_pool2d");
  MINIDL_CHECK(win.dilation == Pair({1, 1}),
               "avg_pool2d: dilation is not supported (max pooling only), got ", win.dilation[0],
               "x", win.dilation[1]);
  const std::int64_t n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
  const Pair out = window_out_size(win, {h, w}, "avg_pool2d");
  // Divisor factor along one axis for each output position.
  auto factors = [&](int a, std::int64_t size, std::int64_t count) {
    const auto ax = static_cast<std::size_t>(a);
    std::vector<double> f(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < count; ++i) {
      const std::int64_t start = i * win.stride[ax] - win.padding[ax];
      const std::int64_t end = std::min(start + win.kernel[ax], size + win.padding[ax]);
      f[static_cast<std::size_t>(i)] = static_cast<double>(
          options.count_include_pad ? end - start
                                    : std::min(end, size) - std::max<std::int64_t>(start, 0));
    }
    return f;
  };
  const std::vector<double> fh = factors(0, h, out[0]), fw = factors(1, w, out[1]);
  std::vector<double> div_v;
  div_v.reserve(fh.size() * fw.size());
  for (double a : fh)
    for (double b : fw) div_v.push_back(a * b);
  Variable divisor(from_vector(div_v, {out[0], out[1]}).to(input.dtype()));

  Variable cols = unfold2d(reshape(input, {n * c, 1, h, w}), win);  // [kH*kW, N*C*L]
  Variable sums = reshape(sum(cols, {0}), {n, c, out[0], out[1]});
  return div(sums, divisor);
}

// global_avg_pool2d: out[n, c] = mean of x[n, c, :, :].
Variable global_avg_pool2d(const Variable& input) {
  check_image(input, "global_avg_pool2d");
  return mean(input, {2, 3});
}

}  // namespace minidl
