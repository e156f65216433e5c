#include "optim/adam.h"

#include <algorithm>
#include <cmath>

#include "optim/update_util.h"

namespace minidl::optim {
namespace {

template <typename T>
struct AdamArgs {
  T beta1, beta2, eps;
  T step_size;  // lr / (1 - beta1^t)
  T bc2_sqrt;   // sqrt(1 - beta2^t)
  T shrink;     // AdamW's 1 - lr * weight_decay (exactly 1 for Adam)
  kernel::Decay<T> decay;
  T thr;
};

// A block in three vectorised passes (update_util.h): moments, square roots, update.
template <typename T, bool kAmsgrad, bool kProx>
void adam_range(T* __restrict p, const T* __restrict g, T* __restrict m, T* __restrict v,
                T* __restrict vmax, std::int64_t b, std::int64_t e, const AdamArgs<T>& args) {
  const AdamArgs<T> a = args;  // a local copy: no store in the loop can change it
  T q[kernel::kBlock];         // the second moment in use, then its square root
  auto block = [&](std::int64_t i, int len) __attribute__((always_inline)) {
    for (int j = 0; j < len; ++j) {
      const T pi = p[i + j] * a.shrink;
      const T gi = a.decay.apply(g[i + j], pi);
      const T mi = m[i + j] * a.beta1 + (T(1) - a.beta1) * gi;
      T vi = v[i + j] * a.beta2 + (T(1) - a.beta2) * gi * gi;
      m[i + j] = mi;
      v[i + j] = vi;
      if constexpr (kAmsgrad) {
        vi = std::max(vmax[i + j], vi);
        vmax[i + j] = vi;
      }
      q[j] = vi;
    }
    kernel::sqrt_n(q, len);
    for (int j = 0; j < len; ++j) {
      const T denom = q[j] / a.bc2_sqrt + a.eps;
      const T next = p[i + j] * a.shrink + (-a.step_size) * m[i + j] / denom;
      p[i + j] = kProx ? kernel::soft_threshold(next, a.thr) : next;
    }
  };
  std::int64_t i = b;
  for (; i + kernel::kBlock <= e; i += kernel::kBlock) block(i, kernel::kBlock);
  if (i < e) block(i, static_cast<int>(e - i));
}

}  // namespace

Adam::Adam(std::vector<Variable> params, const AdamOptions& options)
    : Adam(one_group(std::move(params)), options) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Adam(std::move(groups), options, /*decoupled=*/false, "Adam", "adam") {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled,
           const char* name, const char* kind)
    : Optimizer(name, kind,
                {.lr = options.lr,
                 .weight_decay = options.weight_decay,
                 .l1_decay = options.l1_decay,
                 .momentum = options.betas[0]},
                options.l1_mode),
      options_(options),
      decoupled_(decoupled) {
  MINIDL_CHECK(options.betas[1] >= 0 && options.betas[1] < 1, name, ": invalid beta2 ",
               options.betas[1], " (must be in [0, 1))");
  MINIDL_CHECK(options.eps >= 0, name, ": invalid eps ", options.eps, " (must be >= 0)");
  init_groups(std::move(groups));
}

void Adam::check_momentum(double beta1) const {
  MINIDL_CHECK(beta1 >= 0 && beta1 < 1, name(), ": invalid beta1 ", beta1, " (must be in [0, 1))");
}

std::vector<Optimizer::BufferSpec> Adam::buffer_specs() const {
  std::vector<BufferSpec> specs = {{"exp_avg", true}, {"exp_avg_sq", true, true}};
  if (options_.amsgrad) specs.push_back({"max_exp_avg_sq", true, true});
  return specs;
}

std::vector<std::pair<std::string, double>> Adam::hyper_parameters() const {
  return {{"beta2", options_.betas[1]},
          {"eps", options_.eps},
          {"amsgrad", options_.amsgrad ? 1.0 : 0.0},
          {"l1_mode", static_cast<double>(l1_mode())}};
}

void Adam::update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) {
  Tensor& m = buffer(state, 0, param, 0.0);
  Tensor& v = buffer(state, 1, param, 0.0);
  Tensor* vmax = options_.amsgrad ? &buffer(state, 2, param, 0.0) : nullptr;
  const double t = static_cast<double>(state.step);
  const double bc1 = 1.0 - std::pow(group.momentum, t);
  const double bc2 = 1.0 - std::pow(options_.betas[1], t);
  minidl::visit_floating(param.dtype(), "Adam.step", [&](auto tag) {
    using T = decltype(tag);
    const AdamArgs<T> a{
        .beta1 = static_cast<T>(group.momentum),
        .beta2 = static_cast<T>(options_.betas[1]),
        .eps = static_cast<T>(options_.eps),
        .step_size = static_cast<T>(group.lr / bc1),
        .bc2_sqrt = static_cast<T>(std::sqrt(bc2)),
        .shrink = static_cast<T>(decoupled_ ? 1.0 - group.lr * group.weight_decay : 1.0),
        .decay = kernel::make_decay<T>(group, l1_mode(), decoupled_ ? 0.0 : group.weight_decay),
        .thr = kernel::prox_threshold<T>(group),
    };
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* mp = m.data<T>();
    T* vp = v.data<T>();
    T* vmaxp = vmax != nullptr ? vmax->data<T>() : nullptr;
    kernel::with_flag(options_.amsgrad, [&](auto kAmsgrad) {
      kernel::with_flag(kernel::use_prox(group, l1_mode()), [&](auto kProx) {
        kernel::for_chunks(param.numel(), [&](std::int64_t b, std::int64_t e) {
          adam_range<T, kAmsgrad(), kProx()>(p, g, mp, vp, vmaxp, b, e, a);
        });
      });
    });
  });
}

}  // namespace minidl::optim
