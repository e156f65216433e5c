#include "nn/sequential.h"

#include <algorithm>

namespace minidl::nn {

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& children) : Sequential() {
  for (const auto& c : children) push_back(c);
}

Sequential& Sequential::push_back(std::shared_ptr<Module> child) {
  return push_back(std::to_string(layers_.size()), std::move(child));
}

Sequential& Sequential::push_back(const std::string& name, std::shared_ptr<Module> child) {
  register_module(name, child);
  layers_.push_back(std::move(child));
  return *this;
}

const std::shared_ptr<Module>& Sequential::operator[](std::size_t i) const {
  MINIDL_CHECK(i < layers_.size(), "Sequential: index ", i, " is out of range for ", layers_.size(),
               " layers");
  return layers_[i];
}

bool Sequential::samplewise() const {
  return is_exactly(*this) &&
         std::all_of(layers_.begin(), layers_.end(),
                     [](const std::shared_ptr<Module>& m) { return m->samplewise(); });
}

Variable Sequential::forward(const Variable& input) {
  Variable x = input;
  for (const auto& layer : layers_) x = (*layer)(x);
  return x;
}

}  // namespace minidl::nn
