// Bad-input table for optim/ (issue 14): out-of-range hyper-parameters (negative, NaN), no
// parameters. Each is a minidl::Error naming the optimizer.
#include "tests/bad_input.h"

#include <cmath>

#include "optim/adam.h"
#include "optim/sgd.h"
#include "tensor/ops.h"

namespace minidl::optim {
namespace {

TEST_CASE("optim: bad hyper-parameters are minidl::Errors naming the optimizer") {
  const std::vector<Variable> params = {Variable(zeros({2}), true)};
  testing::check_bad_inputs({
      {"adam negative lr", [&] { Adam(params, {.lr = -1}); }, "Adam"},
      {"adam NaN lr", [&] { Adam(params, {.lr = std::nan("")}); }, "Adam"},
      {"adam beta1 = 1",
       [&] {
         Adam(params, {.betas = {1.0, 0.999}});
       },
       "beta1"},
      {"adam beta2 > 1",
       [&] {
         Adam(params, {.betas = {0.9, 1.5}});
       },
       "beta2"},
      {"adam negative eps", [&] { Adam(params, {.eps = -1}); }, "eps"},
      {"sgd negative momentum", [&] { SGD(params, {.momentum = -0.5}); }, "SGD"},
      {"sgd nesterov without momentum", [&] { SGD(params, {.nesterov = true}); }, "nesterov"},
      {"sgd negative weight decay", [&] { SGD(params, {.weight_decay = -1}); }, "weight_decay"},
  });
}

}  // namespace
}  // namespace minidl::optim
