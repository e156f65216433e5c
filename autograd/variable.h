// Variable: a shared handle {value, grad, requires_grad, grad_fn} (layer 1).
//
// Models and losses are written with Variables. A leaf is a Variable made by the user (parameters,
// inputs); a non-leaf is the output of a recorded op and points at its tape node (grad_fn). As in
// PyTorch, .grad is kept on leaves that require grad; gradients accumulate across backward calls
// until zero_grad().
#pragma once

#include <memory>
#include <string>

#include "tensor/tensor.h"

namespace minidl {

struct Node;
struct VariableImpl;

class Variable {
 public:
  Variable() = default;  // undefined
  // A leaf. requires_grad on an int64 tensor is an error.
  explicit Variable(Tensor value, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const;
  // Mutable access for in-place updates outside autograd (optimizers, initialisers).
  Tensor& value();
  const Shape& shape() const { return value().shape(); }
  DType dtype() const { return value().dtype(); }
  std::int64_t dim() const { return value().dim(); }
  std::int64_t numel() const { return value().numel(); }
  std::int64_t size(std::int64_t axis) const { return value().size(axis); }
  double item() const { return value().item(); }

  bool requires_grad() const;
  // Only on leaves (like PyTorch); returns *this for chaining.
  Variable& set_requires_grad(bool requires_grad);
  bool is_leaf() const;
  // The accumulated gradient of a leaf (undefined until a backward reaches it).
  Variable grad() const;
  void set_grad(const Variable& g);
  void zero_grad();  // forgets the gradient (like PyTorch's set_to_none)
  // Same value, cut from the graph, requires_grad false.
  Variable detach() const;

  // A name shown by graph dumps (parameters get their dotted module names).
  const std::string& name() const;
  Variable& set_name(std::string name);

  // The node that produced this variable (nullptr for leaves and untracked results).
  const std::shared_ptr<Node>& grad_fn() const;

  VariableImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<VariableImpl>& impl_ptr() const { return impl_; }
  explicit Variable(std::shared_ptr<VariableImpl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<VariableImpl> impl_;
};

struct VariableImpl {
  Tensor value;
  std::shared_ptr<VariableImpl> grad;
  std::shared_ptr<Node> grad_fn;
  std::string name;
  bool requires_grad = false;
};

}  // namespace minidl
