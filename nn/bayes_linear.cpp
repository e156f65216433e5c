#include "nn/bayes_linear.h"

#include <cmath>
#include <sstream>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "nn/init.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::nn {
namespace {

// sum_j log(p / s_j) + (s_j^2 + mu_j^2) / (2 p^2) - 1/2, s = softplus(rho).
Variable gaussian_kl(const Variable& mu, const Variable& rho, double prior_sigma) {
  const Variable s = softplus(rho);
  const double inv_2p2 = 0.5 / (prior_sigma * prior_sigma);
  const Variable per = (square(s) + square(mu)) * inv_2p2 - log(s);
  return add_scalar(sum(per), static_cast<double>(mu.numel()) * (std::log(prior_sigma) - 0.5));
}

}  // namespace

BayesLinear::BayesLinear(std::int64_t in_features, std::int64_t out_features, Generator& gen,
                         const BayesLinearOptions& options)
    : Module("BayesLinear"),
      in_features_(in_features),
      out_features_(out_features),
      prior_sigma_(options.prior_sigma),
      gen_(gen.next_u64()) {
  MINIDL_CHECK(in_features > 0 && out_features > 0, "BayesLinear: in_features (", in_features,
               ") and out_features (", out_features, ") must be positive");
  MINIDL_CHECK(options.prior_sigma > 0 && std::isfinite(options.prior_sigma),
               "BayesLinear: prior_sigma must be finite and > 0, got ", options.prior_sigma);
  MINIDL_CHECK(std::isfinite(options.rho_init), "BayesLinear: rho_init must be finite, got ",
               options.rho_init);
  weight_mu_ = &register_parameter("weight_mu", empty({out_features, in_features}));
  weight_rho_ =
      &register_parameter("weight_rho", full({out_features, in_features}, options.rho_init));
  bias_mu_ = &register_parameter("bias_mu", empty({out_features}));
  bias_rho_ = &register_parameter("bias_rho", full({out_features}, options.rho_init));
  init::default_linear_init_(weight_mu_->value(), &bias_mu_->value(), gen);
  register_generator("generator", gen_);
}

Variable BayesLinear::forward(const Variable& input) {
  MINIDL_CHECK(input.defined() && input.dim() >= 1, "BayesLinear: needs an input of shape [..., ",
               in_features_, "], got ",
               input.defined() ? shape_str(input.shape()) : std::string("undefined"));
  MINIDL_CHECK(input.size(-1) == in_features_, "BayesLinear: input has ", input.size(-1),
               " features but the layer expects ", in_features_, " (input ",
               shape_str(input.shape()), ")");
  MINIDL_CHECK(input.dtype() == weight_mu_->dtype(), "BayesLinear: input is ",
               dtype_name(input.dtype()), " but the weights are ", dtype_name(weight_mu_->dtype()),
               " (convert the input, or the model with to())");
  Variable w = *weight_mu_, b = *bias_mu_;
  if (is_training()) {
    // The noise is a constant: d w / d mu = 1, d w / d rho = sigmoid(rho) eps.
    const DType dt = weight_mu_->dtype();
    w = w + softplus(*weight_rho_) * Variable(randn(weight_mu_->shape(), gen_, dt));
    b = b + softplus(*bias_rho_) * Variable(randn(bias_mu_->shape(), gen_, dt));
  }
  return add(matmul(input, w, false, true), b);
}

Variable BayesLinear::kl() const {
  return gaussian_kl(*weight_mu_, *weight_rho_, prior_sigma_) +
         gaussian_kl(*bias_mu_, *bias_rho_, prior_sigma_);
}

std::string BayesLinear::extra_repr() const {
  std::ostringstream os;
  os << "in_features=" << in_features_ << ", out_features=" << out_features_
     << ", prior_sigma=" << prior_sigma_;
  return os.str();
}

Variable bayes_kl(const Module& model) {
  Variable total;
  for (const auto& [name, m] : model.named_modules()) {
    const auto* layer = dynamic_cast<const BayesLinear*>(m);
    if (layer == nullptr) continue;
    total = total.defined() ? total + layer->kl() : layer->kl();
  }
  if (!total.defined()) {
    const auto params = model.parameters();
    const DType dt = params.empty() ? kFloat32 : params.front().dtype();
    total = Variable(zeros({}, dt));
  }
  return total;
}

}  // namespace minidl::nn
