#include "autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl {
namespace {

std::vector<Variable> fresh_leaves(const std::vector<Variable>& inputs) {
  std::vector<Variable> leaves;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    MINIDL_CHECK(inputs[i].defined(), "gradcheck: input ", i, " is undefined");
    // Inputs held constant may be of any dtype (int64 indices, say); checked ones are float64.
    MINIDL_CHECK(!inputs[i].requires_grad() || inputs[i].dtype() == kFloat64, "gradcheck: input ",
                 i, " is ", dtype_name(inputs[i].dtype()), "; gradient checks need float64 inputs");
    leaves.emplace_back(inputs[i].value().clone(), inputs[i].requires_grad());
  }
  return leaves;
}

// L = sum_k <w_k, out_k> over the floating outputs.
Variable weighted_sum(const std::vector<Variable>& outs, const std::vector<Tensor>& weights) {
  Variable total;
  for (std::size_t k = 0; k < outs.size(); ++k) {
    if (!outs[k].defined() || !is_floating(outs[k].dtype())) continue;
    Variable term = sum(mul(outs[k], Variable(weights[k])));
    total = total.defined() ? add(total, term) : term;
  }
  return total;
}

std::vector<Tensor> make_weights(const std::vector<Variable>& outs, std::uint64_t seed) {
  Generator gen(seed + 0x5eed);
  std::vector<Tensor> w;
  for (const auto& o : outs) {
    // Weights in [0.5, 1.5) with random signs: never near zero, so no element hides.
    Tensor u = rand(o.shape(), gen, kFloat64, 0.5, 1.5);
    Tensor s = minidl::sub(minidl::mul(bernoulli(o.shape(), 0.5, gen, kFloat64), 2.0), 1.0);
    w.push_back(minidl::mul(u, s));
  }
  return w;
}

double eval_scalar(const VariableFn& f, const std::vector<Variable>& leaves,
                   const std::vector<Tensor>& weights) {
  Variable l = weighted_sum(f(leaves), weights);
  return l.defined() ? l.item() : 0.0;
}

}  // namespace

GradcheckResult gradcheck(const VariableFn& f, const std::vector<Variable>& inputs,
                          const GradcheckOptions& opt) {
  EnableGradGuard on(true);
  std::vector<Variable> leaves = fresh_leaves(inputs);
  std::vector<Variable> outs = f(leaves);
  std::vector<Tensor> weights = make_weights(outs, opt.seed);
  Variable l = weighted_sum(outs, weights);

  std::vector<Variable> checked;
  std::vector<std::size_t> checked_index;
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i].requires_grad()) {
      checked.push_back(leaves[i]);
      checked_index.push_back(i);
    }
  }
  MINIDL_CHECK(!checked.empty(), "gradcheck: no input requires grad");
  std::vector<Variable> analytic;
  if (l.defined() && l.requires_grad()) {
    GradOptions go;
    go.allow_unused = true;
    analytic = grad({l}, checked, go);
  } else {
    for (const auto& c : checked) analytic.emplace_back(zeros_like(c.value()));
  }

  GradcheckResult result;
  for (std::size_t c = 0; c < checked.size(); ++c) {
    Tensor& x = leaves[checked_index[c]].value();
    double* px = x.data<double>();
    Tensor a = analytic[c].value().to(kFloat64);
    MINIDL_CHECK(a.shape() == x.shape(), "gradcheck: analytic gradient of shape ",
                 shape_str(a.shape()), " for input ", checked_index[c], " of shape ",
                 shape_str(x.shape()));
    for (std::int64_t j = 0; j < x.numel(); ++j) {
      double orig = px[j];
      px[j] = orig + opt.eps;
      double lp = eval_scalar(f, leaves, weights);
      px[j] = orig - opt.eps;
      double lm = eval_scalar(f, leaves, weights);
      px[j] = orig;
      double numeric = (lp - lm) / (2 * opt.eps);
      double an = a.at(j);
      double ratio = std::fabs(an - numeric) / (opt.atol + opt.rtol * std::fabs(numeric));
      if (std::isnan(ratio)) ratio = INFINITY;
      if (result.message.empty() || ratio > result.worst_ratio) {
        result.worst_ratio = ratio;
        std::ostringstream os;
        os.precision(12);
        os << "input " << checked_index[c] << " element " << j << ": analytic " << an
           << ", numeric " << numeric << " (|diff| " << std::fabs(an - numeric) << ", ratio "
           << ratio << ")";
        result.message = os.str();
      }
    }
  }
  result.ok = result.worst_ratio <= 1.0;
  return result;
}

GradcheckResult gradgradcheck(const VariableFn& f, const std::vector<Variable>& inputs,
                              const GradcheckOptions& opt) {
  std::vector<Tensor> weights;
  {
    EnableGradGuard on(true);
    std::vector<Variable> probe = fresh_leaves(inputs);
    weights = make_weights(f(probe), opt.seed + 1);
  }
  // x -> dL/dx with the backward recorded, so its own gradient can be checked.
  VariableFn first_order = [&f, weights](const std::vector<Variable>& xs) {
    std::vector<Variable> req;
    for (const auto& x : xs)
      if (x.requires_grad()) req.push_back(x);
    Variable l = weighted_sum(f(xs), weights);
    if (!l.defined() || !l.requires_grad()) {
      std::vector<Variable> z;
      for (const auto& r : req) z.emplace_back(zeros_like(r.value()));
      return z;
    }
    GradOptions go;
    go.create_graph = true;
    go.allow_unused = true;
    return grad({l}, req, go);
  };
  return gradcheck(first_order, inputs, opt);
}

}  // namespace minidl
