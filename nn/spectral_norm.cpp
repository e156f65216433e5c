// SpectralNorm (see nn/spectral_norm.h for the formula and the naming). The wrapped layer keeps
// running its own forward; before each call the wrapper rebinds the layer's parameter slots to
// its own Variables (so gradients land on "weight_orig" and "bias" as the wrapper names them) and
// the weight slot to W / sigma, and afterwards puts weight_orig back, so that the layer's slots
// always hold Variables the wrapper owns (to() and load_state_dict then reach them).
#include "nn/spectral_norm.h"

#include <algorithm>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl::nn {
namespace {

// x / max(|x|_2, eps), F.normalize(x, dim=0, eps=eps).
Tensor normalize(const Tensor& x, double eps) { return div(x, std::max(norm(x).item(), eps)); }

}  // namespace

SpectralNorm::SpectralNorm(std::shared_ptr<Module> module, Generator& gen,
                           const SpectralNormOptions& options)
    : Module("SpectralNorm"), module_(std::move(module)), options_(options) {
  MINIDL_CHECK(module_ != nullptr, "SpectralNorm: no module to wrap");
  const std::string& type = module_->type_name();
  MINIDL_CHECK(module_->named_children().empty() && module_->named_buffers().empty(),
               "SpectralNorm: wraps a single layer holding parameters only (Linear, Conv2d, "
               "ConvTranspose2d), got ",
               type, " with children or buffers");
  MINIDL_CHECK(options.n_power_iterations >= 1,
               "SpectralNorm: n_power_iterations must be >= 1, got ", options.n_power_iterations);
  MINIDL_CHECK(options.eps > 0, "SpectralNorm: eps must be positive, got ", options.eps);
  const auto params = module_->named_parameters();
  const auto it = std::find_if(params.begin(), params.end(),
                               [&](const auto& p) { return p.first == options.name; });
  if (it == params.end()) module_->parameter(options.name);  // throws, listing the names
  const Variable w = it->second;
  MINIDL_CHECK(w.dim() >= 1 && is_floating(w.dtype()), "SpectralNorm: ", type, ".", options.name,
               " must be a floating tensor of rank >= 1, got ", dtype_name(w.dtype()), " ",
               shape_str(w.shape()));
  dim_ = options.dim.value_or(type == "ConvTranspose2d" ? 1 : 0);
  MINIDL_CHECK(dim_ >= 0 && dim_ < w.dim(), "SpectralNorm: dim ", dim_, " out of range for ",
               options.name, " ", shape_str(w.shape()));
  // PyTorch's order: the other parameters keep theirs, weight_orig comes last, then u and v.
  for (const auto& [name, p] : params) {
    if (name == options.name) continue;
    Variable& slot = register_parameter(name, p.value(), p.requires_grad());
    others_.emplace_back(name, &slot);
    module_->set_parameter(name, slot);
  }
  orig_ = &register_parameter(options.name + "_orig", w.value(), w.requires_grad());
  module_->set_parameter(options.name, *orig_);
  const std::int64_t h = w.size(dim_), cols = w.numel() / h;
  u_ = &register_buffer(options.name + "_u", normalize(randn({h}, gen, w.dtype()), options.eps));
  v_ = &register_buffer(options.name + "_v", normalize(randn({cols}, gen, w.dtype()), options.eps));
}

Variable SpectralNorm::weight_matrix() const {
  Variable w = *orig_;
  if (dim_ != 0) {
    Axes perm = {dim_};
    for (std::int64_t a = 0; a < w.dim(); ++a)
      if (a != dim_) perm.push_back(a);
    w = permute(w, perm);
  }
  return reshape(w, {w.size(0), w.numel() / w.size(0)});
}

Variable SpectralNorm::sigma() const {
  return sum(
      mul(Variable(u_->value().clone()), matmul(weight_matrix(), Variable(v_->value().clone()))));
}

Variable SpectralNorm::forward(const Variable& input) {
  const DType dt = orig_->dtype();
  // The layer's slots hold the wrapper's Variables, but a check that rebound the wrapper's slots
  // (gradcheck_module) may have left stale ones of another dtype behind after a to().
  for (const auto& [name, p] : module_->named_parameters())
    if (p.dtype() != dt) {
      module_->to(dt);
      break;
    }
  if (is_training()) {
    NoGradGuard no_grad;
    const Tensor wm = weight_matrix().value();
    Tensor u = u_->value(), v = v_->value();
    for (std::int64_t i = 0; i < options_.n_power_iterations; ++i) {
      v = normalize(matmul(wm, u, true, false), options_.eps);
      u = normalize(matmul(wm, v), options_.eps);
    }
    u_->value().copy_(u);
    v_->value().copy_(v);
  }
  const Variable w = div(*orig_, sigma());
  for (const auto& [name, slot] : others_) module_->set_parameter(name, *slot);
  module_->set_parameter(options_.name, w);
  module_->train(is_training());
  Variable out;
  try {
    // forward(), not operator(): forward hooks (summary) see the wrapper as the one layer.
    out = module_->forward(input);
  } catch (...) {
    module_->set_parameter(options_.name, *orig_);
    throw;
  }
  module_->set_parameter(options_.name, *orig_);
  return out;
}

std::string SpectralNorm::extra_repr() const {
  return module_->repr() + ", n_power_iterations=" + std::to_string(options_.n_power_iterations) +
         ", dim=" + std::to_string(dim_);
}

}  // namespace minidl::nn
