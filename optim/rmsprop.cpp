#include "optim/rmsprop.h"

#include <cmath>

#include "optim/update_util.h"

namespace minidl::optim {
namespace {

template <typename T>
struct RMSpropArgs {
  T lr, alpha, eps, mu;
  kernel::Decay<T> decay;
  T thr;
};

// A block in three vectorised passes (update_util.h): averages, square roots, update.
template <typename T, bool kCentered, bool kMomentum, bool kProx>
void rmsprop_range(T* __restrict p, const T* __restrict g, T* __restrict sq, T* __restrict grad_avg,
                   T* __restrict buf, std::int64_t b, std::int64_t e, const RMSpropArgs<T>& args) {
  const RMSpropArgs<T> a = args;  // a local copy: no store in the loop can change it
  T q[kernel::kBlock];            // s (or s - avg^2), then its square root
  T gd[kernel::kBlock];           // the decayed gradient
  auto block = [&](std::int64_t i, int len) __attribute__((always_inline)) {
    for (int j = 0; j < len; ++j) {
      const T gi = a.decay.apply(g[i + j], p[i + j]);
      const T s = sq[i + j] * a.alpha + (T(1) - a.alpha) * gi * gi;
      sq[i + j] = s;
      gd[j] = gi;
      if constexpr (kCentered) {
        const T av = grad_avg[i + j] * a.alpha + (T(1) - a.alpha) * gi;
        grad_avg[i + j] = av;
        q[j] = s + T(-1) * av * av;  // may round below 0: NaN, as in PyTorch
      } else {
        q[j] = s;
      }
    }
    kernel::sqrt_n(q, len);
    for (int j = 0; j < len; ++j) {
      const T d = q[j] + a.eps;
      T next;
      if constexpr (kMomentum) {
        const T bi = buf[i + j] * a.mu + gd[j] / d;
        buf[i + j] = bi;
        next = p[i + j] + (-a.lr) * bi;
      } else {
        next = p[i + j] + (-a.lr) * gd[j] / d;
      }
      p[i + j] = kProx ? kernel::soft_threshold(next, a.thr) : next;
    }
  };
  std::int64_t i = b;
  for (; i + kernel::kBlock <= e; i += kernel::kBlock) block(i, kernel::kBlock);
  if (i < e) block(i, static_cast<int>(e - i));
}

}  // namespace

RMSprop::RMSprop(std::vector<Variable> params, const RMSpropOptions& options)
    : RMSprop(one_group(std::move(params)), options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options)
    : Optimizer("RMSprop", "rmsprop",
                {.lr = options.lr,
                 .weight_decay = options.weight_decay,
                 .l1_decay = options.l1_decay,
                 .momentum = options.momentum},
                options.l1_mode),
      options_(options) {
  MINIDL_CHECK(options.alpha >= 0 && options.alpha <= 1, "RMSprop: invalid alpha ", options.alpha,
               " (must be in [0, 1])");
  MINIDL_CHECK(options.eps >= 0, "RMSprop: invalid eps ", options.eps, " (must be >= 0)");
  init_groups(std::move(groups));
}

void RMSprop::check_momentum(double momentum) const {
  MINIDL_CHECK(momentum >= 0, "RMSprop: invalid momentum ", momentum, " (must be >= 0)");
}

std::vector<Optimizer::BufferSpec> RMSprop::buffer_specs() const {
  return {{"square_avg", true, true}, {"grad_avg", options_.centered}, {"momentum_buffer", false}};
}

std::vector<std::pair<std::string, double>> RMSprop::hyper_parameters() const {
  return {{"alpha", options_.alpha},
          {"eps", options_.eps},
          {"centered", options_.centered ? 1.0 : 0.0},
          {"l1_mode", static_cast<double>(l1_mode())}};
}

void RMSprop::update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) {
  Tensor& sq = buffer(state, 0, param, 0.0);
  Tensor* grad_avg = options_.centered ? &buffer(state, 1, param, 0.0) : nullptr;
  // Created when momentum first becomes positive (OneCycleLR may switch it on), starting at 0.
  Tensor* buf = group.momentum > 0 ? &buffer(state, 2, param, 0.0) : nullptr;
  minidl::visit_floating(param.dtype(), "RMSprop.step", [&](auto tag) {
    using T = decltype(tag);
    const RMSpropArgs<T> a{
        .lr = static_cast<T>(group.lr),
        .alpha = static_cast<T>(options_.alpha),
        .eps = static_cast<T>(options_.eps),
        .mu = static_cast<T>(group.momentum),
        .decay = kernel::make_decay<T>(group, l1_mode(), group.weight_decay),
        .thr = kernel::prox_threshold<T>(group),
    };
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* sqp = sq.data<T>();
    T* avg = grad_avg != nullptr ? grad_avg->data<T>() : nullptr;
    T* bufp = buf != nullptr ? buf->data<T>() : nullptr;
    kernel::with_flag(options_.centered, [&](auto kCentered) {
      kernel::with_flag(buf != nullptr, [&](auto kMomentum) {
        kernel::with_flag(kernel::use_prox(group, l1_mode()), [&](auto kProx) {
          kernel::for_chunks(param.numel(), [&](std::int64_t b, std::int64_t e) {
            rmsprop_range<T, kCentered(), kMomentum(), kProx()>(p, g, sqp, avg, bufp, b, e, a);
          });
        });
      });
    });
  });
}

}  // namespace minidl::optim
