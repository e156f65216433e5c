// Gradient checks by central differences, in float64.
//
// The function's outputs are reduced to one scalar with random weights, L = sum_k <w_k, out_k>:
// a plain sum would let errors that cancel across an output pass (a softmax backward that returns
// zeros, say). For every element x_j of every input that requires grad, the analytic dL/dx_j from
// the tape is compared with (L(x_j + eps) - L(x_j - eps)) / (2 eps); the check passes when
// |analytic - numeric| <= atol + rtol |numeric| everywhere, and the worst element is reported.
// gradgradcheck applies the same test to the function x -> dL/dx built with create_graph, which
// checks every backward's own backward.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "autograd/variable.h"

namespace minidl {

using VariableFn = std::function<std::vector<Variable>(const std::vector<Variable>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  double rtol = 1e-6;
  double atol = 1e-8;
  std::uint64_t seed = 0;  // for the output weights
};

struct GradcheckResult {
  bool ok = true;
  double worst_ratio = 0;  // max |a - n| / (atol + rtol |n|); <= 1 passes
  std::string message;     // the worst element: input, flat index, analytic, numeric
  explicit operator bool() const { return ok; }
};

// Inputs must be float64; those with requires_grad are checked, the others are held constant.
GradcheckResult gradcheck(const VariableFn& f, const std::vector<Variable>& inputs,
                          const GradcheckOptions& options = {});
GradcheckResult gradgradcheck(const VariableFn& f, const std::vector<Variable>& inputs,
                              const GradcheckOptions& options = {});

}  // namespace minidl
