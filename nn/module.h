// Module: the base class of every layer and model (layer 2, namespace minidl::nn).
//
// A module owns named parameters (Variables that require grad), named buffers (state that is saved
// with the weights but not trained, such as BatchNorm's running statistics) and named child
// modules. Dotted names join them from the root, in registration order, the way PyTorch's
// state_dict does: a module's own entries first, then each child's, depth first, so
// Sequential(Conv2d, BatchNorm2d) names "0.weight", "0.bias", "1.weight", "1.bias",
// "1.running_mean", "1.running_var", "1.num_batches_tracked".
//
// Entries live in stable slots: a layer keeps a pointer to its slot, so set_parameter() can rebind
// a slot to another Variable (weight tying, functional calls, gradient checks) and to() can convert
// every value in place without the layer noticing.
//
// A model is usually a tree of std::shared_ptr<Module>; modules are neither copyable nor movable
// (the slots are pointed at).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>
#include <utility>
#include <vector>

#include "autograd/variable.h"
#include "tensor/random.h"

namespace minidl::nn {

// name -> tensor for parameters and buffers (what save_weights writes).
using StateDict = std::map<std::string, Tensor>;

// What load_state_dict / load_weights found. Every problem is listed, not just the first.
struct LoadReport {
  std::vector<std::string> missing;     // the module has it, the state does not
  std::vector<std::string> unexpected;  // the state has it, the module does not
  // "name: float32 [3,4] in the state vs float32 [4,3] in the module"
  std::vector<std::string> mismatched;
  std::vector<std::string> loaded;  // names copied into the module
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // One problem per line ("" when ok).
  std::string to_string() const;
};

class Module;
// Called after every Module::operator() on this thread while set. summary() uses it to see each
// layer's output shape. Returns the hook it replaces (pass that back to restore it).
using ForwardHook = std::function<void(Module& module, const Variable& output)>;
ForwardHook set_forward_hook(ForwardHook hook);
// Whether a forward hook is set on this thread.
bool forward_hook_set();

class Module {
 public:
  explicit Module(std::string type_name = "Module");
  virtual ~Module();
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // The single-input forward pass. The default throws: a container that only groups children
  // (a GAN's generator and critic) need not have one.
  virtual Variable forward(const Variable& input);
  // Calls forward() inside NameScope(name()); call layers through this (not forward()) so forward
  // hooks see every layer and the tape knows which layer recorded what.
  Variable operator()(const Variable& input);

  const std::string& type_name() const { return type_name_; }
  // The name this module was registered under as a child ("fc1", "0"); "" for a root. operator()
  // pushes it as a NameScope, so the nodes recorded inside carry "fc1", "encoder.fc2", ... A module
  // registered in two parents keeps the last name.
  const std::string& name() const { return name_; }
  // The layer's settings as "in_features=784, out_features=256, bias=true".
  virtual std::string extra_repr() const { return ""; }
  // Whether row i of the output (axis 0, the batch) depends on row i of the input alone, in
  // training mode too, and forward() changes no state: then a batch may be cut into parts that
  // run apart and are joined after (the GAN trainer's halves, train/gan/trainer.h). False unless a
  // layer says so: Linear, the convolutions, pooling, LayerNorm and the pointwise activations
  // are; BatchNorm (batch statistics, running buffers), Dropout and BayesLinear (random streams),
  // SpectralNorm (its power iteration) and Softmax (its dim may be the batch) are not; a
  // Sequential is when all its children are. Only the layer class itself: a subclass (which may
  // override forward() and mix rows, e.g. minibatch statistics) is not, unless it overrides
  // samplewise() too.
  virtual bool samplewise() const { return false; }
  // A PyTorch-like tree: Sequential(\n  (0): Linear(in_features=...)\n ...).
  std::string repr() const;

  // ---- registration (names must be non-empty, without '.', unique within the module)
  // Returns the slot, which stays valid for the module's lifetime.
  Variable& register_parameter(const std::string& name, Tensor value, bool requires_grad = true);
  Variable& register_buffer(const std::string& name, Tensor value);
  template <typename M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    register_child(name, module);
    return module;
  }
  // A random stream the module draws from at run time (Dropout's masks). The generator must live
  // as long as the module (it is usually a member). Its state can be saved for exact resumes.
  void register_generator(const std::string& name, Generator& gen);

  // ---- traversal (dotted names from this module)
  // Unique parameters (a tied parameter is listed once, under its first name).
  std::vector<std::pair<std::string, Variable>> named_parameters() const;
  std::vector<Variable> parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_children() const;
  std::vector<std::shared_ptr<Module>> children() const;
  // This module first (name ""), then every descendant, depth first.
  std::vector<std::pair<std::string, Module*>> named_modules();
  std::vector<std::pair<std::string, const Module*>> named_modules() const;
  // Elements in the unique parameters (only those requiring grad when trainable_only).
  std::int64_t num_parameters(bool trainable_only = false) const;
  // The parameter under a dotted name; throws listing the names when there is none.
  Variable parameter(const std::string& name) const;
  // Rebinds a parameter slot to `value` (same shape and dtype): weight tying, functional calls.
  void set_parameter(const std::string& name, Variable value);

  // ---- modes
  // Training mode for this module and every descendant (Dropout, BatchNorm read it).
  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  // Forgets every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).
  void zero_grad();
  // Freezes (false) or unfreezes every parameter.
  Module& requires_grad_(bool requires_grad);
  // Converts every floating parameter and buffer to `dtype` in place (int64 buffers such as
  // num_batches_tracked stay int64); gradients are dropped. Returns *this.
  Module& to(DType dtype);

  // ---- state
  // Copies (not views) of every parameter and buffer, so the snapshot survives later updates.
  StateDict state_dict() const;
  // Copies matching entries into the module's storage. Names, shapes and dtypes must match.
  // strict: any missing, unexpected or mismatched entry throws listing every problem and loads
  // nothing. Non-strict: loads what matches and reports the rest.
  LoadReport load_state_dict(const StateDict& state, bool strict = true);
  // Each registered generator as int64 [2] {seed, offset}, by dotted name; and back (every name
  // must match both ways).
  StateDict generator_states() const;
  void load_generator_states(const StateDict& states);

  // Keras-like table from one forward pass on zeros of `input_shape` (in eval mode, without
  // recording; training flags are restored): each layer's dotted name and type, output shape and
  // parameter count, then total, trainable and non-trainable parameters and buffer sizes.
  // The input is float zeros of the parameters' dtype unless input_dtype says otherwise (int64 for
  // a model that starts with an Embedding). Defined in nn/summary.cpp.
  std::string summary(const Shape& input_shape, std::optional<DType> input_dtype = std::nullopt);

 protected:
  // Whether self is exactly a Layer, not an object of a subclass (the layers' samplewise()).
  template <typename Layer>
  static bool is_exactly(const Layer& self) {
    return typeid(self) == typeid(Layer);
  }

 private:
  struct Slot {
    std::string name;
    Variable var;
  };
  void check_new_name(const std::string& name, const char* what) const;
  void register_child(const std::string& name, std::shared_ptr<Module> child);
  // Gives every parameter under this module its dotted name (for graph dumps).
  void rename_parameters(const std::string& prefix);
  // All slots, with dotted names, tied ones repeated.
  std::vector<std::pair<std::string, Variable*>> all_parameter_slots();
  std::vector<std::pair<std::string, const Variable*>> all_slots(bool params, bool buffers) const;

  std::string type_name_;
  std::string name_;
  bool training_ = true;
  std::deque<Slot> params_;  // a deque: slots do not move as more are added
  std::deque<Slot> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  std::vector<std::pair<std::string, Generator*>> generators_;
};

}  // namespace minidl::nn
