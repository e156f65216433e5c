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

Unflatten::Unflatten(std::int64_t dim, Shape sizes)
    : Module("Unflatten"), dim_(dim), sizes_(std::move(sizes)) {
  MINIDL_CHECK(!sizes_.empty(), "Unflatten: sizes must not be empty");
}

Variable Unflatten::forward(const Variable& input) {
  const Shape& in = input.shape();
  const std::int64_t nd = static_cast<std::int64_t>(in.size());
  MINIDL_CHECK(dim_ >= -nd && dim_ < nd, "Unflatten: dim ", dim_, " is out of range for input ",
               shape_str(in));
  const std::int64_t d = dim_ < 0 ? dim_ + nd : dim_;
  Shape out(in.begin(), in.begin() + d);
  out.insert(out.end(), sizes_.begin(), sizes_.end());
  out.insert(out.end(), in.begin() + d + 1, in.end());
  // reshape infers a -1 and checks that the element count is unchanged; name the layer first.
  std::int64_t known = 1;
  int unknown = 0;
  for (std::int64_t s : sizes_) (s == -1 ? ++unknown : known *= s);
  MINIDL_CHECK(unknown <= 1 && (unknown == 1 ? known > 0 && in[d] % known == 0 : known == in[d]),
               "Unflatten: sizes ", shape_str(sizes_), " do not split axis ", d, " of size ", in[d],
               " (input ", shape_str(in), ")");
  return reshape(input, out);
}

std::string Unflatten::extra_repr() const {
  return "dim=" + std::to_string(dim_) + ", unflattened_size=" + shape_str(sizes_);
}

}  // namespace minidl::nn
