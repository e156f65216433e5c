// AdamW: Adam with decoupled weight decay (PyTorch's torch.optim.AdamW convention).
//
// Per parameter p with gradient g, step t = 1, 2, ...:
//   p <- p * (1 - lr * weight_decay)                      (decoupled: before the moment update,
//                                                          never enters m or v)
//   g <- g  [+ l1_decay * sign(p)]                        (L1 as in every optimizer, optimizer.h)
//   then exactly Adam's update (adam.h): m, v, amsgrad's v_max, bias corrections, eps outside the
//   square root.
//   [p <- sign(p) * max(|p| - lr * l1_decay, 0)   with L1Mode::kProximal]
// The default weight_decay is 1e-2 (PyTorch's). Put biases and norm parameters in a group with
// weight_decay 0 (split_decay_groups) to exempt them.
// Reference: Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019;
// torch.optim.AdamW (PyTorch 1.13 _single_tensor_adamw).
// State: exp_avg, exp_avg_sq, max_exp_avg_sq (amsgrad only).
#pragma once

#include <array>
#include <vector>

#include "optim/adam.h"

namespace minidl::optim {

struct AdamWOptions {
  double lr = 1e-3;
  std::array<double, 2> betas = {0.9, 0.999};
  double eps = 1e-8;
  double weight_decay = 1e-2;
  bool amsgrad = false;
  double l1_decay = 0.0;
  L1Mode l1_mode = L1Mode::kSubgradient;
};

class AdamW : public Adam {
 public:
  explicit AdamW(std::vector<Variable> params, const AdamWOptions& options = {});
  explicit AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options = {});
};

}  // namespace minidl::optim
