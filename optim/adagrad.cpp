#include "optim/adagrad.h"

#include <cmath>

#include "optim/update_util.h"

namespace minidl::optim {
namespace {

// A block in three vectorised passes (update_util.h): sums, square roots, update.
template <typename T, bool kProx>
void adagrad_range(T* __restrict p, const T* __restrict g, T* __restrict sum, std::int64_t b,
                   std::int64_t e, T clr, T eps, kernel::Decay<T> decay, T thr) {
  T q[kernel::kBlock];   // the sum, then its square root
  T gd[kernel::kBlock];  // the decayed gradient
  auto block = [&](std::int64_t i, int len) __attribute__((always_inline)) {
    for (int j = 0; j < len; ++j) {
      const T gi = decay.apply(g[i + j], p[i + j]);
      const T s = sum[i + j] + T(1) * gi * gi;
      sum[i + j] = s;
      q[j] = s;
      gd[j] = gi;
    }
    kernel::sqrt_n(q, len);
    for (int j = 0; j < len; ++j) {
      const T next = p[i + j] + (-clr) * gd[j] / (q[j] + eps);
      p[i + j] = kProx ? kernel::soft_threshold(next, thr) : next;
    }
  };
  std::int64_t i = b;
  for (; i + kernel::kBlock <= e; i += kernel::kBlock) block(i, kernel::kBlock);
  if (i < e) block(i, static_cast<int>(e - i));
}

}  // namespace

Adagrad::Adagrad(std::vector<Variable> params, const AdagradOptions& options)
    : Adagrad(one_group(std::move(params)), options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, const AdagradOptions& options)
    : Optimizer("Adagrad", "adagrad",
                {.lr = options.lr,
                 .weight_decay = options.weight_decay,
                 .l1_decay = options.l1_decay,
                 .momentum = 0.0},
                options.l1_mode),
      options_(options) {
  MINIDL_CHECK(options.lr_decay >= 0, "Adagrad: invalid lr_decay ", options.lr_decay,
               " (must be >= 0)");
  MINIDL_CHECK(options.initial_accumulator_value >= 0,
               "Adagrad: invalid initial_accumulator_value ", options.initial_accumulator_value,
               " (must be >= 0)");
  MINIDL_CHECK(options.eps >= 0, "Adagrad: invalid eps ", options.eps, " (must be >= 0)");
  init_groups(std::move(groups));
}

std::vector<Optimizer::BufferSpec> Adagrad::buffer_specs() const { return {{"sum", true, true}}; }

std::vector<std::pair<std::string, double>> Adagrad::hyper_parameters() const {
  return {{"lr_decay", options_.lr_decay},
          {"initial_accumulator_value", options_.initial_accumulator_value},
          {"eps", options_.eps},
          {"l1_mode", static_cast<double>(l1_mode())}};
}

void Adagrad::update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) {
  Tensor& sum = buffer(state, 0, param, options_.initial_accumulator_value);
  const double clr = group.lr / (1.0 + static_cast<double>(state.step - 1) * options_.lr_decay);
  minidl::visit_floating(param.dtype(), "Adagrad.step", [&](auto tag) {
    using T = decltype(tag);
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* s = sum.data<T>();
    const auto decay = kernel::make_decay<T>(group, l1_mode(), group.weight_decay);
    kernel::with_flag(kernel::use_prox(group, l1_mode()), [&](auto kProx) {
      kernel::for_chunks(param.numel(), [&](std::int64_t b, std::int64_t e) {
        adagrad_range<T, kProx()>(p, g, s, b, e, static_cast<T>(clr), static_cast<T>(options_.eps),
                                  decay, kernel::prox_threshold<T>(group));
      });
    });
  });
}

}  // namespace minidl::optim
