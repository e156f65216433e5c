#include "nn/init.h"

#include <algorithm>
#include <cmath>

#include "tensor/lapack.h"
#include "tensor/ops.h"

namespace minidl::nn::init {
namespace {

const char* nonlinearity_name(Nonlinearity n) {
  switch (n) {
    case Nonlinearity::kLinear:
      return "linear";
    case Nonlinearity::kConv:
      return "conv";
    case Nonlinearity::kSigmoid:
      return "sigmoid";
    case Nonlinearity::kTanh:
      return "tanh";
    case Nonlinearity::kRelu:
      return "relu";
    case Nonlinearity::kLeakyRelu:
      return "leaky_relu";
    case Nonlinearity::kSelu:
      return "selu";
  }
  return "?";
}

void check_floating(const Tensor& t, const char* op) {
  MINIDL_CHECK(t.defined(), "init::", op, ": the tensor is undefined");
  MINIDL_CHECK(is_floating(t.dtype()), "init::", op, ": needs a floating tensor, got ",
               dtype_name(t.dtype()));
}

std::int64_t fan(const Tensor& t, FanMode mode, const char* op) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  std::int64_t f = mode == FanMode::kFanIn ? fan_in : fan_out;
  MINIDL_CHECK(f > 0, "init::", op, ": zero fan for a tensor of shape ", shape_str(t.shape()));
  return f;
}

}  // namespace

double calculate_gain(Nonlinearity nonlinearity, double param) {
  switch (nonlinearity) {
    case Nonlinearity::kLinear:
    case Nonlinearity::kConv:
    case Nonlinearity::kSigmoid:
      return 1.0;
    case Nonlinearity::kTanh:
      return 5.0 / 3.0;
    case Nonlinearity::kRelu:
      return std::sqrt(2.0);
    case Nonlinearity::kLeakyRelu:
      return std::sqrt(2.0 / (1.0 + param * param));
    case Nonlinearity::kSelu:
      return 3.0 / 4.0;
  }
  MINIDL_FAIL("init::calculate_gain: unknown nonlinearity ", nonlinearity_name(nonlinearity));
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  MINIDL_CHECK(t.dim() >= 2, "init: fan in and fan out need a tensor with 2 or more dims, got ",
               shape_str(t.shape()));
  std::int64_t receptive = 1;
  for (std::int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

void uniform_(Tensor& t, Generator& gen, double low, double high) {
  check_floating(t, "uniform_");
  MINIDL_CHECK(low <= high, "init::uniform_: low ", low, " > high ", high);
  t.copy_(rand(t.shape(), gen, t.dtype(), low, high));
}

void normal_(Tensor& t, Generator& gen, double mean, double stddev) {
  check_floating(t, "normal_");
  MINIDL_CHECK(stddev >= 0, "init::normal_: negative std ", stddev);
  t.copy_(randn(t.shape(), gen, t.dtype(), mean, stddev));
}

void constant_(Tensor& t, double value) {
  check_floating(t, "constant_");
  t.fill_(value);
}
void zeros_(Tensor& t) { constant_(t, 0.0); }
void ones_(Tensor& t) { constant_(t, 1.0); }

void kaiming_uniform_(Tensor& t, Generator& gen, double a, FanMode mode,
                      Nonlinearity nonlinearity) {
  check_floating(t, "kaiming_uniform_");
  double bound = calculate_gain(nonlinearity, a) *
                 std::sqrt(3.0 / static_cast<double>(fan(t, mode, "kaiming_uniform_")));
  uniform_(t, gen, -bound, bound);
}

void kaiming_normal_(Tensor& t, Generator& gen, double a, FanMode mode, Nonlinearity nonlinearity) {
  check_floating(t, "kaiming_normal_");
  double stddev = calculate_gain(nonlinearity, a) /
                  std::sqrt(static_cast<double>(fan(t, mode, "kaiming_normal_")));
  normal_(t, gen, 0.0, stddev);
}

void xavier_uniform_(Tensor& t, Generator& gen, double gain) {
  check_floating(t, "xavier_uniform_");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double bound = gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform_(t, gen, -bound, bound);
}

void xavier_normal_(Tensor& t, Generator& gen, double gain) {
  check_floating(t, "xavier_normal_");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  normal_(t, gen, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)));
}

namespace detail {
Tensor orthogonal_from_normal(const Tensor& normal, double gain) {
  MINIDL_CHECK(normal.dim() == 2, "init::orthogonal_: needs a [rows, cols] draw, got ",
               shape_str(normal.shape()));
  const bool wide = normal.size(0) < normal.size(1);
  const Tensor z = wide ? transpose(normal, 0, 1) : normal;
  linalg::QrResult f = linalg::qr(z);
  const std::int64_t m = f.q.size(0), k = f.q.size(1);
  double* q = f.q.data<double>();
  const double* r = f.r.data<double>();
  const std::int64_t rn = f.r.size(1);
  for (std::int64_t j = 0; j < k; ++j) {
    // torch's sign(0) is 0: a zero pivot zeroes its column, as PyTorch does.
    const double d = r[j * rn + j];
    const double s = d > 0 ? gain : d < 0 ? -gain : 0.0;
    for (std::int64_t i = 0; i < m; ++i) q[i * k + j] *= s;
  }
  return wide ? transpose(f.q, 0, 1) : f.q;
}
}  // namespace detail

void orthogonal_(Tensor& t, Generator& gen, double gain) {
  check_floating(t, "orthogonal_");
  MINIDL_CHECK(t.dim() >= 2, "init::orthogonal_: needs a tensor with 2 or more dims, got ",
               shape_str(t.shape()));
  const std::int64_t rows = t.size(0), cols = t.numel() / std::max<std::int64_t>(rows, 1);
  if (t.numel() == 0) return;
  const Tensor normal = randn({rows, cols}, gen, kFloat64);
  t.copy_(detail::orthogonal_from_normal(normal, gain).reshape(t.shape()).to(t.dtype()));
}

void default_linear_init_(Tensor& weight, Tensor* bias, Generator& gen) {
  kaiming_uniform_(weight, gen, std::sqrt(5.0));
  if (bias != nullptr && bias->defined()) {
    double bound = 1.0 / std::sqrt(static_cast<double>(fan(weight, FanMode::kFanIn, "bias")));
    uniform_(*bias, gen, -bound, bound);
  }
}

}  // namespace minidl::nn::init
