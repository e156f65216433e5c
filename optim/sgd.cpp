#include "optim/sgd.h"

#include "optim/update_util.h"

namespace minidl::optim {
namespace {

template <typename T>
struct SGDArgs {
  T lr, mu, damp;
  kernel::Decay<T> decay;
  T thr;
};

// kFirst: the buffer starts as d (PyTorch's clone on the first momentum step).
template <typename T, bool kMomentum, bool kFirst, bool kNesterov, bool kProx>
void sgd_range(T* __restrict p, const T* __restrict g, T* __restrict buf, std::int64_t b,
               std::int64_t e, const SGDArgs<T>& args) {
  const SGDArgs<T> a = args;  // a local copy: no store in the loop can change it
  auto body = [&](std::int64_t i) {
    T d = a.decay.apply(g[i], p[i]);
    if constexpr (kMomentum) {
      const T m = kFirst ? d : buf[i] * a.mu + (T(1) - a.damp) * d;
      buf[i] = m;
      d = kNesterov ? d + a.mu * m : m;
    }
    const T next = p[i] + (-a.lr) * d;
    p[i] = kProx ? kernel::soft_threshold(next, a.thr) : next;
  };
  std::int64_t i = b;
  for (; i + kernel::kBlock <= e; i += kernel::kBlock)
    for (int j = 0; j < kernel::kBlock; ++j) body(i + j);
  for (; i < e; ++i) body(i);
}

}  // namespace

SGD::SGD(std::vector<Variable> params, const SGDOptions& options)
    : SGD(one_group(std::move(params)), options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer("SGD", "sgd",
                {.lr = options.lr,
                 .weight_decay = options.weight_decay,
                 .l1_decay = options.l1_decay,
                 .momentum = options.momentum},
                options.l1_mode),
      options_(options) {
  MINIDL_CHECK(options.dampening >= 0 && options.dampening <= 1, "SGD: invalid dampening ",
               options.dampening, " (must be in [0, 1])");
  MINIDL_CHECK(!options.nesterov || options.dampening == 0,
               "SGD: nesterov momentum requires dampening 0, got ", options.dampening);
  init_groups(std::move(groups));
}

void SGD::check_momentum(double momentum) const {
  MINIDL_CHECK(momentum >= 0, "SGD: invalid momentum ", momentum, " (must be >= 0)");
  MINIDL_CHECK(!options_.nesterov || momentum > 0,
               "SGD: nesterov momentum requires momentum > 0, got ", momentum);
}

std::vector<Optimizer::BufferSpec> SGD::buffer_specs() const {
  return {{"momentum_buffer", false}};
}

std::vector<std::pair<std::string, double>> SGD::hyper_parameters() const {
  return {{"dampening", options_.dampening},
          {"nesterov", options_.nesterov ? 1.0 : 0.0},
          {"l1_mode", static_cast<double>(l1_mode())}};
}

void SGD::update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) {
  const bool momentum = group.momentum != 0;
  const bool first = momentum && !state.buffers[0].defined();
  if (first) state.buffers[0] = empty(param.shape(), param.dtype());
  minidl::visit_floating(param.dtype(), "SGD.step", [&](auto tag) {
    using T = decltype(tag);
    const SGDArgs<T> a{.lr = static_cast<T>(group.lr),
                       .mu = static_cast<T>(group.momentum),
                       .damp = static_cast<T>(options_.dampening),
                       .decay = kernel::make_decay<T>(group, l1_mode(), group.weight_decay),
                       .thr = kernel::prox_threshold<T>(group)};
    T* p = param.data<T>();
    const T* g = grad.data<T>();
    T* buf = momentum ? state.buffers[0].data<T>() : nullptr;
    kernel::with_flag(momentum, [&](auto kMomentum) {
      kernel::with_flag(first, [&](auto kFirst) {
        kernel::with_flag(options_.nesterov, [&](auto kNesterov) {
          kernel::with_flag(kernel::use_prox(group, l1_mode()), [&](auto kProx) {
            kernel::for_chunks(param.numel(), [&](std::int64_t b, std::int64_t e) {
              sgd_range<T, kMomentum(), kFirst(), kNesterov(), kProx()>(p, g, buf, b, e, a);
            });
          });
        });
      });
    });
  });
}

}  // namespace minidl::optim
