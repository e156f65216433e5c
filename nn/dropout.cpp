#include "nn/dropout.h"

#include <sstream>

#include "autograd/functional.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::nn {

Dropout::Dropout(double p, std::uint64_t seed) : Module("Dropout"), p_(p), gen_(seed) {
  MINIDL_CHECK(p >= 0.0 && p <= 1.0, "Dropout: p must be in [0, 1], got ", p);
  register_generator("generator", gen_);
}

Dropout::Dropout(double p, Generator& gen) : Dropout(p, gen.next_u64()) {}

Dropout::Dropout(double p) : Dropout(p, next_default_seed()) {}

Variable Dropout::forward(const Variable& input) {
  if (!is_training() || p_ == 0.0) return input;
  MINIDL_CHECK(is_floating(input.dtype()), "Dropout: needs a floating input, got ",
               dtype_name(input.dtype()));
  if (p_ == 1.0) return mul(input, 0.0);
  // The mask is a constant: the gradient is the same mask times the upstream gradient.
  Tensor mask = bernoulli(input.shape(), 1.0 - p_, gen_, input.dtype());
  mul_(mask, 1.0 / (1.0 - p_));
  return mul(input, Variable(mask));
}

std::string Dropout::extra_repr() const {
  std::ostringstream os;
  os << "p=" << p_;
  return os.str();
}

}  // namespace minidl::nn
