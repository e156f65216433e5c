// Adagrad (PyTorch's torch.optim.Adagrad convention).
//
// Per parameter p with gradient g, step t = 1, 2, ... (optimizer.h for the decay terms):
//   g   <- g + weight_decay * p  [+ l1_decay * sign(p)]
//   clr <- lr / (1 + (t - 1) * lr_decay)
//   s   <- s + g^2                                 (sum, starts at initial_accumulator_value)
//   p   <- p - clr * g / (sqrt(s) + eps)
//   [p  <- sign(p) * max(|p| - lr * l1_decay, 0)   with L1Mode::kProximal; the group lr, not clr]
// eps is outside the square root, as in PyTorch.
// Reference: Duchi, Hazan & Singer, JMLR 2011; torch.optim.Adagrad (PyTorch 1.13
// _single_tensor_adagrad). Defaults: lr 1e-2, lr_decay 0, initial_accumulator_value 0, eps 1e-10.
// Adagrad has no momentum (has_momentum() is false; OneCycleLR needs cycle_momentum off).
// State: sum.
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace minidl::optim {

struct AdagradOptions {
  double lr = 1e-2;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  double l1_decay = 0.0;
  L1Mode l1_mode = L1Mode::kSubgradient;
};

class Adagrad : public Optimizer {
 public:
  explicit Adagrad(std::vector<Variable> params, const AdagradOptions& options = {});
  explicit Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options = {});
  const AdagradOptions& options() const { return options_; }
  bool has_momentum() const override { return false; }

 protected:
  void update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<BufferSpec> buffer_specs() const override;
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;
  void check_momentum(double momentum) const override {}

 private:
  AdagradOptions options_;
};

}  // namespace minidl::optim
