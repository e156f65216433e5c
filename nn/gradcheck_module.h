// Gradient check of a whole module: with respect to its input (when the input requires grad) and
// every trainable parameter, by central differences (autograd/gradcheck.h). The module must be
// float64 first (module.to(kFloat64)); the parameters are rebound to the check's own leaves
// during the check (Module::set_parameter) and put back afterwards, even on error.
//
//   nn::Linear fc(4, 3, gen);
//   fc.to(kFloat64);
//   CHECK(nn::gradcheck_module(fc, Variable(randn({2, 4}, gen, kFloat64), true)));
#pragma once

#include "autograd/gradcheck.h"
#include "nn/module.h"

namespace minidl::nn {

GradcheckResult gradcheck_module(Module& module, const Variable& input,
                                 const GradcheckOptions& options = {});

}  // namespace minidl::nn
