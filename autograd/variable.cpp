#include "autograd/variable.h"

#include "autograd/tape.h"

namespace minidl {
namespace {
const std::string kEmptyName;
}

Variable::Variable(Tensor value, bool requires_grad) : impl_(std::make_shared<VariableImpl>()) {
  MINIDL_CHECK(value.defined(), "Variable: cannot wrap an undefined tensor");
  impl_->value = std::move(value);
  set_requires_grad(requires_grad);
}

const Tensor& Variable::value() const {
  MINIDL_CHECK(impl_, "Variable: use of an undefined variable");
  return impl_->value;
}

Tensor& Variable::value() {
  MINIDL_CHECK(impl_, "Variable: use of an undefined variable");
  return impl_->value;
}

bool Variable::requires_grad() const { return impl_ && impl_->requires_grad; }

Variable& Variable::set_requires_grad(bool requires_grad) {
  MINIDL_CHECK(impl_, "set_requires_grad: undefined variable");
  MINIDL_CHECK(!impl_->grad_fn,
               "set_requires_grad: only leaves can change requires_grad (this is the output of ",
               impl_->grad_fn ? impl_->grad_fn->op : "?", "); use detach() first");
  MINIDL_CHECK(!requires_grad || is_floating(impl_->value.dtype()),
               "set_requires_grad: only floating-point tensors can require grad, got ",
               dtype_name(impl_->value.dtype()), " of shape ", shape_str(impl_->value.shape()));
  impl_->requires_grad = requires_grad;
  return *this;
}

bool Variable::is_leaf() const { return impl_ && !impl_->grad_fn; }

Variable Variable::grad() const {
  MINIDL_CHECK(impl_, "grad: undefined variable");
  return Variable(impl_->grad);
}

void Variable::set_grad(const Variable& g) {
  MINIDL_CHECK(impl_, "set_grad: undefined variable");
  if (g.defined())
    MINIDL_CHECK(g.shape() == shape(), "set_grad: gradient of shape ", shape_str(g.shape()),
                 " for a variable of shape ", shape_str(shape()));
  impl_->grad = g.impl_ptr();
}

void Variable::zero_grad() {
  if (impl_) impl_->grad.reset();
}

Variable Variable::detach() const { return Variable(value(), false); }

const std::string& Variable::name() const { return impl_ ? impl_->name : kEmptyName; }

Variable& Variable::set_name(std::string name) {
  MINIDL_CHECK(impl_, "set_name: undefined variable");
  impl_->name = std::move(name);
  return *this;
}

const std::shared_ptr<Node>& Variable::grad_fn() const {
  static const std::shared_ptr<Node> kNone;
  return impl_ ? impl_->grad_fn : kNone;
}

}  // namespace minidl
