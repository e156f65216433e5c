// Internal helpers for the primitive definitions (autograd/*_ops.cpp).
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/profiler.h"
#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl::detail {

using Grads = std::vector<Variable>;
using Inputs = std::vector<Variable>;

// A constant (no grad) wrapping a tensor.
inline Variable constant(const Tensor& t) { return Variable(t); }

// Brings two variables to their promoted dtype through the differentiable cast, so each binary
// primitive works on one dtype and every gradient comes back in its input's dtype.
inline std::pair<Variable, Variable> promoted(const Variable& a, const Variable& b) {
  DType d = promote(a.dtype(), b.dtype());
  return {a.dtype() == d ? a : to(a, d), b.dtype() == d ? b : to(b, d)};
}

// Gradient of a broadcast input: fold g back to the input's shape (only when it needs one).
inline Variable fold(const Variable& g, const Variable& input) {
  if (!input.requires_grad()) return Variable();
  return g.shape() == input.shape() ? g : sum_to(g, input.shape());
}

// ---- attribute text for annotate() (what print_tape and the DOT export show next to the op)
inline std::string number_str(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}
inline std::string matmul_attrs(bool ta, bool tb) {
  return ta && tb ? "trans_a trans_b" : ta ? "trans_a" : tb ? "trans_b" : "";
}
// "dims=[1] keepdim"; "dims=all" for a full reduction (empty axes).
inline std::string reduce_attrs(const char* what, const Axes& axes, bool keepdim) {
  return std::string(what) + "=" + (axes.empty() ? std::string("all") : shape_str(axes)) +
         (keepdim ? " keepdim" : "");
}
inline std::string clamp_attrs(std::optional<double> lo, std::optional<double> hi) {
  std::string out;
  if (lo) out = "min=" + number_str(*lo);
  if (hi) out += (out.empty() ? "max=" : " max=") + number_str(*hi);
  return out;
}
inline std::string slice_attrs(std::int64_t axis, std::int64_t start, std::int64_t end,
                               std::int64_t step) {
  return "axis=" + std::to_string(axis) + " " + std::to_string(start) + ":" + std::to_string(end) +
         (step == 1 ? "" : ":" + std::to_string(step));
}
// A window's geometry as conv2d's arguments: "k=3x3 s=1 p=1" (dilation only when not 1).
template <typename Window>
std::string window_attrs(const Window& w) {
  auto pair = [](const auto& p) {
    return p[0] == p[1] ? std::to_string(p[0]) : std::to_string(p[0]) + "x" + std::to_string(p[1]);
  };
  std::string out = "k=" + std::to_string(w.kernel[0]) + "x" + std::to_string(w.kernel[1]) +
                    " s=" + pair(w.stride) + " p=" + pair(w.padding);
  if (w.dilation[0] != 1 || w.dilation[1] != 1) out += " d=" + pair(w.dilation);
  return out;
}

}  // namespace minidl::detail
