// RMSprop, centered and with momentum (PyTorch's torch.optim.RMSprop convention).
//
// Per parameter p with gradient g, smoothing alpha, momentum mu (optimizer.h for the decay terms):
//   g <- g + weight_decay * p  [+ l1_decay * sign(p)]
//   s <- alpha * s + (1 - alpha) * g^2                    (square_avg, starts at 0)
//   centered: a <- alpha * a + (1 - alpha) * g            (grad_avg, starts at 0)
//             d <- sqrt(s - a^2) + eps                    (variance instead of raw second moment)
//   else:     d <- sqrt(s) + eps
//   mu > 0:   b <- mu * b + g / d;  p <- p - lr * b       (momentum_buffer, starts at 0)
//   else:     p <- p - lr * g / d
//   [p <- sign(p) * max(|p| - lr * l1_decay, 0)   with L1Mode::kProximal]
// eps is outside the square root, as in PyTorch (Keras and TF put it inside: results differ for
// tiny s). There is no bias correction: the first steps are larger than later ones.
// Reference: Hinton, Coursera lecture 6e (2012); Graves, arXiv:1308.0850 (centered);
// torch.optim.RMSprop (PyTorch 1.13 _single_tensor_rmsprop). Defaults: lr 1e-2, alpha 0.99,
// eps 1e-8.
// State: square_avg, grad_avg (centered only), momentum_buffer (while momentum > 0).
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace minidl::optim {

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  double l1_decay = 0.0;
  L1Mode l1_mode = L1Mode::kSubgradient;
};

class RMSprop : public Optimizer {
 public:
  explicit RMSprop(std::vector<Variable> params, const RMSpropOptions& options = {});
  explicit RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options = {});
  const RMSpropOptions& options() const { return options_; }

 protected:
  void update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<BufferSpec> buffer_specs() const override;
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;
  void check_momentum(double momentum) const override;

 private:
  RMSpropOptions options_;
};

}  // namespace minidl::optim
