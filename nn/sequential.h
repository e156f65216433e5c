// Sequential: children called in order, each output feeding the next (PyTorch's nn.Sequential).
//
// Children are named "0", "1", ... in insertion order (or by the name given to push_back), so
// parameter names match PyTorch's: Sequential(Linear, ReLU, Linear) has "0.weight", "0.bias",
// "2.weight", "2.bias".
//
//   auto mlp = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(784, 256, gen),
//                                               std::make_shared<nn::ReLU>(),
//                                               std::make_shared<nn::Linear>(256, 10, gen));
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <vector>

#include "nn/module.h"

namespace minidl::nn {

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  template <std::derived_from<Module>... Ms>
  explicit Sequential(std::shared_ptr<Ms>... children) : Sequential() {
    (push_back(std::move(children)), ...);
  }
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& children);

  // Appends under the next index ("3") or under a name of your choice. Returns *this.
  Sequential& push_back(std::shared_ptr<Module> child);
  Sequential& push_back(const std::string& name, std::shared_ptr<Module> child);
  Sequential& add(std::shared_ptr<Module> child) { return push_back(std::move(child)); }

  std::size_t size() const { return layers_.size(); }
  bool empty() const { return layers_.empty(); }
  // The i-th child (bounds checked); cast with std::dynamic_pointer_cast for its own API.
  const std::shared_ptr<Module>& operator[](std::size_t i) const;

  // x -> layers_[n-1](... layers_[0](x)); an empty Sequential is the identity.
  Variable forward(const Variable& input) override;
  // When every layer is (an empty Sequential, the identity, is).
  bool samplewise() const override;

 private:
  std::vector<std::shared_ptr<Module>> layers_;
};

}  // namespace minidl::nn
