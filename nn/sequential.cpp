#include "nn/sequential.h"

#include <algorithm>
#include <typeinfo>

#include "autograd/scope.h"
#include "nn/activation.h"
#include "nn/linear.h"

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

// A Linear directly followed by a ReLU (both exactly those classes: a subclass may change
// forward) runs as one addmm_relu node under the Linear's name: the same values and gradients
// without the pre-activation tensor and the ReLU's own passes. Not while a forward hook is set on
// this thread: the hook sees every layer's output.
Variable Sequential::forward(const Variable& input) {
  Variable x = input;
  const bool fuse = !forward_hook_set();
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    Module& layer = *layers_[i];
    const Module* next = i + 1 < layers_.size() ? layers_[i + 1].get() : nullptr;
    if (fuse && next != nullptr && typeid(layer) == typeid(Linear) &&
        typeid(*next) == typeid(ReLU)) {
      NameScope scope(layer.name());
      x = static_cast<Linear&>(layer).forward_relu(x);
      ++i;
      continue;
    }
    x = layer(x);
  }
  return x;
}

}  // namespace minidl::nn
