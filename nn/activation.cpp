#include "nn/activation.h"

#include <cmath>
#include <numbers>
#include <sstream>

#include "autograd/functional.h"

namespace minidl::nn {
namespace {

std::string number(const char* key, double v) {
  std::ostringstream os;
  os << key << "=" << v;
  return os.str();
}

}  // namespace

Variable ReLU::forward(const Variable& input) { return relu(input); }

LeakyReLU::LeakyReLU(double negative_slope)
    : Module("LeakyReLU"), negative_slope_(negative_slope) {}
Variable LeakyReLU::forward(const Variable& input) { return leaky_relu(input, negative_slope_); }
std::string LeakyReLU::extra_repr() const { return number("negative_slope", negative_slope_); }

ELU::ELU(double alpha) : Module("ELU"), alpha_(alpha) {}
Variable ELU::forward(const Variable& input) { return elu(input, alpha_); }
std::string ELU::extra_repr() const { return number("alpha", alpha_); }

GELU::GELU(const std::string& approximate) : Module("GELU"), tanh_(approximate == "tanh") {
  MINIDL_CHECK(approximate == "none" || approximate == "tanh", "GELU: approximate must be ",
               "\"none\" or \"tanh\", got \"", approximate, "\"");
}
Variable GELU::forward(const Variable& input) {
  if (!tanh_) return gelu(input);
  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  const double k = std::sqrt(2.0 / std::numbers::pi);
  Variable inner = mul(add(input, mul(mul(square(input), input), 0.044715)), k);
  return mul(mul(input, 0.5), add(tanh(inner), 1.0));
}
std::string GELU::extra_repr() const { return tanh_ ? "approximate=tanh" : "approximate=none"; }

Variable SiLU::forward(const Variable& input) { return silu(input); }
Variable Sigmoid::forward(const Variable& input) { return sigmoid(input); }
Variable Tanh::forward(const Variable& input) { return tanh(input); }

Variable Softmax::forward(const Variable& input) { return softmax(input, dim_); }
std::string Softmax::extra_repr() const { return "dim=" + std::to_string(dim_); }

Variable LogSoftmax::forward(const Variable& input) { return log_softmax(input, dim_); }
std::string LogSoftmax::extra_repr() const { return "dim=" + std::to_string(dim_); }

}  // namespace minidl::nn
