#include "dist/gradients.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "dist/comm.h"
#include "tensor/error.h"

namespace minidl::dist {
namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Sums the P blocks of n values in out (rank order) into dst: the fixed-order reduction.
template <class T>
void sum_in_rank_order(const std::vector<T>& gathered, std::int64_t n, int p, T* dst) {
  for (std::int64_t i = 0; i < n; ++i) {
    T acc = gathered[static_cast<std::size_t>(i)];
    for (int r = 1; r < p; ++r) acc += gathered[static_cast<std::size_t>(r * n + i)];
    dst[i] = acc;
  }
}

template <class T>
void reduce_bucket(std::vector<T>& buf, std::vector<T>& gathered, std::int64_t n,
                   Reduction reduction) {
  const int p = world_size();
  if (reduction == Reduction::kDeterministic) {
    gathered.resize(static_cast<std::size_t>(n) * static_cast<std::size_t>(p));
    allgather_raw(buf.data(), n, gathered.data());
    sum_in_rank_order(gathered, n, p, buf.data());
  } else {
    allreduce_sum_raw(buf.data(), n);
  }
  // Division, not a multiplication by 1/P: exact for the mean of equal values at any P.
  const T tp = static_cast<T>(p);
  for (std::int64_t i = 0; i < n; ++i) buf[static_cast<std::size_t>(i)] /= tp;
}

}  // namespace

std::string ReducerStats::summary() const {
  if (calls == 0) return "no gradient averaging (one rank)";
  const double c = static_cast<double>(calls);
  char text[160];
  std::snprintf(text, sizeof text,
                "gradient averaging %.2f ms/step (+%.2f ms copying), %.1f buckets and %.2f MB per "
                "step",
                1e3 * comm_seconds / c, 1e3 * pack_seconds / c, static_cast<double>(buckets) / c,
                static_cast<double>(bytes) / c / 1e6);
  return text;
}

void broadcast_parameters(const std::vector<Variable>& parameters, int root) {
  for (Variable v : parameters) broadcast(v.value(), root);
}

void broadcast_buffers(nn::Module& model, int root) {
  for (auto& [name, t] : model.named_buffers()) {
    Tensor shared = t;  // the same storage: the broadcast writes into the module's buffer
    broadcast(shared, root);
  }
}

void broadcast_parameters(nn::Module& model, int root) {
  // state_dict: parameters and buffers by name, in one fixed order on every rank.
  nn::StateDict state = model.state_dict();
  std::vector<double> count{static_cast<double>(state.size())};
  const double lo = -allreduce_max(-count[0]), hi = allreduce_max(count[0]);
  MINIDL_CHECK(lo == hi, "dist::broadcast_parameters: the ranks' models differ (", lo, " to ", hi,
               " parameters and buffers)");
  for (auto& [name, t] : state) {
    Tensor copy = t.clone();
    broadcast(copy, root);
    t = copy;
  }
  model.load_state_dict(state);
}

GradientReducer::GradientReducer(std::vector<Variable> parameters, const ReducerOptions& options)
    : params_(std::move(parameters)), options_(options) {
  MINIDL_CHECK(options.bucket_bytes > 0, "GradientReducer: bucket_bytes must be > 0, got ",
               options.bucket_bytes);
  std::size_t first = 0;
  std::int64_t bytes = 0;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    const Tensor& v = params_[i].value();
    MINIDL_CHECK(v.dtype() == kFloat32 || v.dtype() == kFloat64, "GradientReducer: parameter ", i,
                 " is ", dtype_name(v.dtype()), "; gradients are float32 or float64");
    const auto nb = static_cast<std::int64_t>(v.nbytes());
    const bool dtype_change = i > first && v.dtype() != params_[first].value().dtype();
    if (i > first && (dtype_change || bytes + nb > options.bucket_bytes)) {
      buckets_.emplace_back(first, i);
      first = i;
      bytes = 0;
    }
    bytes += nb;
  }
  if (first < params_.size()) buckets_.emplace_back(first, params_.size());
}

void GradientReducer::reduce() {
  if (!active()) return;
  ++stats_.calls;
  // Which parameters have a gradient on some rank: one small collective per step.
  std::vector<std::int64_t> has(params_.size());
  for (std::size_t i = 0; i < params_.size(); ++i) has[i] = params_[i].grad().defined() ? 1 : 0;
  auto t0 = std::chrono::steady_clock::now();
  allreduce_sum(has);
  stats_.comm_seconds += seconds_since(t0);

  // Named, not a structured binding: clang before 16 cannot capture a binding in a lambda.
  for (const auto& bucket : buckets_) {
    const std::size_t first = bucket.first, last = bucket.second;
    const bool f64 = params_[first].value().dtype() == kFloat64;
    std::int64_t n = 0;
    for (std::size_t i = first; i < last; ++i) n += params_[i].value().numel();
    if (n == 0) continue;
    auto pack_start = std::chrono::steady_clock::now();
    auto run = [&](auto& buf, auto& gathered) {
      using T = typename std::decay_t<decltype(buf)>::value_type;
      buf.assign(static_cast<std::size_t>(n), T(0));
      std::int64_t off = 0;
      for (std::size_t i = first; i < last; ++i) {
        const Variable g = params_[i].grad();
        const std::int64_t m = params_[i].value().numel();
        if (g.defined()) {
          MINIDL_CHECK(g.value().dtype() == params_[i].value().dtype() && g.value().numel() == m,
                       "GradientReducer: parameter ", i, "'s gradient does not match it");
          std::memcpy(buf.data() + off, g.value().template data<T>(), m * sizeof(T));
        }
        off += m;
      }
      stats_.pack_seconds += seconds_since(pack_start);
      const auto comm_start = std::chrono::steady_clock::now();
      reduce_bucket(buf, gathered, n, options_.reduction);
      stats_.comm_seconds += seconds_since(comm_start);
      const auto unpack_start = std::chrono::steady_clock::now();
      off = 0;
      for (std::size_t i = first; i < last; ++i) {
        const Tensor& v = params_[i].value();
        const std::int64_t m = v.numel();
        if (has[i] > 0) {
          Tensor g(v.shape(), v.dtype());
          std::memcpy(g.template data<T>(), buf.data() + off, m * sizeof(T));
          params_[i].set_grad(Variable(g));
        }
        off += m;
      }
      stats_.pack_seconds += seconds_since(unpack_start);
      stats_.bytes += n * static_cast<std::int64_t>(sizeof(T));
    };
    if (f64)
      run(buf64_, gather64_);
    else
      run(buf32_, gather32_);
    ++stats_.buckets;
  }
}

}  // namespace minidl::dist
