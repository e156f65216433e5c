// Adam, with AMSGrad (PyTorch's torch.optim.Adam convention).
//
// Per parameter p with gradient g, step t = 1, 2, ... (optimizer.h for the decay terms):
//   g <- g + weight_decay * p  [+ l1_decay * sign(p)]     (coupled L2; for decoupled see AdamW)
//   m <- beta1 * m + (1 - beta1) * g                      (exp_avg, starts at 0)
//   v <- beta2 * v + (1 - beta2) * g^2                    (exp_avg_sq, starts at 0)
//   amsgrad: v_max <- max(v_max, v), and v_max replaces v below
//   p <- p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//   [p <- sign(p) * max(|p| - lr * l1_decay, 0)   with L1Mode::kProximal]
// eps is added outside the square root and after the bias correction of v, as in PyTorch (tiny-dnn
// puts it inside). beta1 is the group's momentum() (OneCycleLR cycles it); the step count is per
// parameter, so a parameter that had no gradient on some step is bias-corrected by its own count.
// Reference: Kingma & Ba, ICLR 2015; Reddi et al., ICLR 2018 (AMSGrad); torch.optim.Adam (PyTorch
// 1.13 _single_tensor_adam).
// State: exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad only).
#pragma once

#include <array>
#include <vector>

#include "optim/optimizer.h"

namespace minidl::optim {

struct AdamOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool amsgrad = false;
  double l1_decay = 0.0;
  L1Mode l1_mode = L1Mode::kSubgradient;
};

class Adam : public Optimizer {
 public:
  explicit Adam(std::vector<Variable> params, const AdamOptions& options = {});
  explicit Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});
  const AdamOptions& options() const { return options_; }

 protected:
  // AdamW: the same update with weight_decay decoupled (applied to p, not added to g).
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled, const char* name,
       const char* kind);

  void update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<BufferSpec> buffer_specs() const override;
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;
  void check_momentum(double momentum) const override;

 private:
  AdamOptions options_;
  bool decoupled_;
};

}  // namespace minidl::optim
