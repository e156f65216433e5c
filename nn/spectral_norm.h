// SpectralNorm: a wrapper that divides a layer's weight by its largest singular value before each
// forward pass (Miyato et al. 2018, "Spectral Normalization for Generative Adversarial Networks";
// PyTorch's torch.nn.utils.spectral_norm, whose conventions and state_dict names it keeps).
//
//   W_mat = W with axis `dim` moved first, reshaped [h, w]   (dim 0; 1 for ConvTranspose2d, whose
//           weight is [C_in, C_out / G, kH, kW], so the rows are again the output channels)
//   training mode, n_power_iterations times, without recording:
//       v <- normalize(W_mat^T u),   u <- normalize(W_mat v),   normalize(x) = x / max(|x|, eps)
//   sigma = u^T W_mat v   (u, v constants: the gradient flows through W_mat only, as in PyTorch)
//   the layer runs with weight = W / sigma
// In eval mode u and v are left as they are (sigma uses the stored ones), so evaluating never moves
// the estimate. One power iteration per training step suffices because W changes slowly and u, v
// carry over between steps.
//
// The wrapped layer's parameters are re-registered on the wrapper under PyTorch's names, so a
// spectrally normalised Linear has exactly PyTorch's state_dict: "bias", "weight_orig" (the
// trained, unnormalised weight) and the buffers "weight_u" [h], "weight_v" [w]. Inside a
// Sequential: "0.weight_orig", ... The wrapped layer must hold parameters only (Linear, Conv2d,
// ConvTranspose2d, ...), no buffers or children.
//
//   auto d1 = std::make_shared<nn::SpectralNorm>(std::make_shared<nn::Linear>(2, 128, gen), gen);
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nn/module.h"

namespace minidl::nn {

struct SpectralNormOptions {
  std::int64_t n_power_iterations = 1;
  double eps = 1e-12;
  std::optional<std::int64_t> dim =
      std::nullopt;             // unset: 1 for ConvTranspose2d, else 0 (PyTorch's default)
  std::string name = "weight";  // the parameter to normalise
};

class SpectralNorm : public Module {
 public:
  // u and v start as normalised N(0, 1) draws from gen, as PyTorch's do.
  SpectralNorm(std::shared_ptr<Module> module, Generator& gen,
               const SpectralNormOptions& options = {});

  Variable forward(const Variable& input) override;
  std::string extra_repr() const override;

  Module& module() { return *module_; }
  // sigma = u^T W_mat v from the stored u and v (no iteration, differentiable in weight_orig).
  Variable sigma() const;
  Variable weight_orig() const { return *orig_; }
  Tensor u() const { return u_->value(); }
  Tensor v() const { return v_->value(); }

 private:
  Variable weight_matrix() const;

  std::shared_ptr<Module> module_;  // not a registered child: its names are the wrapper's own
  SpectralNormOptions options_;
  std::int64_t dim_ = 0;
  std::vector<std::pair<std::string, Variable*>> others_;  // the layer's other parameters
  Variable* orig_ = nullptr;
  Variable* u_ = nullptr;
  Variable* v_ = nullptr;
};

}  // namespace minidl::nn
