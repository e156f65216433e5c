#include "nn/flatten.h"

#include "autograd/functional.h"

namespace minidl::nn {

Flatten::Flatten(std::int64_t start_dim, std::int64_t end_dim)
    : Module("Flatten"), start_dim_(start_dim), end_dim_(end_dim) {}

Variable Flatten::forward(const Variable& input) {
  MINIDL_CHECK(input.dim() > 0, "Flatten: needs an input with at least 1 dim, got ",
               shape_str(input.shape()));
  return flatten(input, start_dim_, end_dim_);
}

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim_) + ", end_dim=" + std::to_string(end_dim_);
}

}  // namespace minidl::nn
