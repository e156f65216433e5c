// SGD with momentum, dampening and Nesterov (PyTorch's torch.optim.SGD convention).
//
// Per parameter p with gradient g, momentum mu, dampening tau (optimizer.h for the decay terms):
//   g <- g + weight_decay * p  [+ l1_decay * sign(p)]
//   if mu != 0:
//     b <- g                               on the first step (the buffer starts as g, not 0)
//     b <- mu * b + (1 - tau) * g          afterwards
//     g <- g + mu * b   if nesterov,  else  g <- b
//   p <- p - lr * g
//   [p <- sign(p) * max(|p| - lr * l1_decay, 0)   with L1Mode::kProximal]
// The lr multiplies the whole step, outside the buffer: this differs from Sutskever et al. /
// dlib / tiny-dnn (v <- mu v - lr g; p += v) when the lr changes during training.
// Reference: torch.optim.SGD (PyTorch 1.13 _single_tensor_sgd); Sutskever et al., ICML 2013.
// Defaults follow PyTorch; PyTorch 1.13 has no default lr, minidl takes PyTorch 2's 1e-3.
// Nesterov needs momentum > 0 and dampening 0 (as in PyTorch).
// State: momentum_buffer (created on the first step with momentum != 0).
#pragma once

#include <vector>

#include "optim/optimizer.h"

namespace minidl::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  double l1_decay = 0.0;
  L1Mode l1_mode = L1Mode::kSubgradient;
};

class SGD : public Optimizer {
 public:
  explicit SGD(std::vector<Variable> params, const SGDOptions& options = {});
  explicit SGD(std::vector<ParamGroup> groups, const SGDOptions& options = {});
  const SGDOptions& options() const { return options_; }

 protected:
  void update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) override;
  std::vector<BufferSpec> buffer_specs() const override;
  std::vector<std::pair<std::string, double>> hyper_parameters() const override;
  void check_momentum(double momentum) const override;

 private:
  SGDOptions options_;
};

}  // namespace minidl::optim
