// Optimizer: the base of every optimizer (layer 3; depends on autograd only, never on nn/).
//
// An optimizer holds parameter groups. Each group has its own lr, weight_decay, l1_decay and
// momentum (SGD/RMSprop momentum, Adam/AdamW beta1), resolved at construction from the group's
// overrides or the optimizer's defaults; schedulers change lr (and OneCycleLR momentum) per group.
// The other hyper-parameters (betas[1], eps, nesterov, ...) are per optimizer.
//
//   optim::Adam opt(params, {.lr = 1e-3, .weight_decay = 0.0, .amsgrad = true});
//   optim::SGD opt(optim::split_decay_groups(model.named_parameters()), {.lr = 0.1, ...});
//   loop: opt.zero_grad(); backward(loss); opt.step();
//
// step() updates, in place and under NoGradGuard, every parameter whose grad is defined;
// parameters without a gradient are skipped untouched (their state and step count too).
//
// Weight decay, every optimizer (AdamW's weight_decay aside, which is decoupled, see adamw.h):
//   L2 (weight_decay, coupled, PyTorch's):  g <- g + weight_decay * p
//   L1 (l1_decay), two modes:
//     L1Mode::kSubgradient (default):        g <- g + l1_decay * sign(p), with sign(0) = 0, so a
//                                            weight exactly at 0 feels no L1 pull.
//     L1Mode::kProximal:                     after the optimizer's own update,
//                                            p <- sign(p) * max(|p| - lr * l1_decay, 0)
//   The subgradient form makes weights oscillate around 0 and never reach it exactly; the proximal
//   (soft-threshold) form sets small weights to exactly 0 and keeps them there, so it is the one
//   that yields real sparsity. For plain SGD it is the exact proximal-gradient (ISTA) step; for
//   the adaptive optimizers it is a decoupled shrink by lr * l1_decay (as AdamW decouples L2).
//   PyTorch has no L1 option (pytorch#91073); Keras adds l1 * sum|w| to the loss, which equals the
//   subgradient mode.
//
// state_dict() / load_state_dict() (names -> Tensor, written by train/'s checkpoint with the
// safetensors writer; prefix the keys when the file holds several maps, see with_prefix):
//   kind.<name>             int64 [1]   format version (1); <name> is sgd, adam, adamw, ...
//   hyper                   float64 [k] fixed hyper-parameters (hyper_parameters())
//   group.<g>.size          int64 [1]   parameter count of group g
//   group.<g>.lr            float64 [1] current lr (restored on load)
//   group.<g>.momentum      float64 [1] current momentum / beta1 (restored on load)
//   group.<g>.weight_decay  float64 [1]
//   group.<g>.l1_decay      float64 [1]
//   state.<g>.<i>.step      int64 [1]   updates applied to parameter i of group g
//   state.<g>.<i>.<buffer>  the parameter's buffers (momentum_buffer, exp_avg, ...), its dtype
// Loading checks the kind, hyper, weight_decay, l1_decay, group sizes and every buffer's shape and
// dtype (and rejects unknown keys), naming the first mismatch; it changes nothing on failure.
// Buffers are copied both ways, so a resumed run continues bit-identically.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "autograd/variable.h"

namespace minidl::optim {

using StateDict = std::map<std::string, Tensor>;

enum class L1Mode { kSubgradient, kProximal };

// A group as given to a constructor: unset fields take the optimizer's defaults.
// (The explicit initializers keep designated initializers such as {.params = ps, .lr = 0.01}
// free of -Wmissing-field-initializers.)
struct ParamGroup {
  std::vector<Variable> params = {};
  std::optional<double> lr = std::nullopt;
  std::optional<double> weight_decay = std::nullopt;
  std::optional<double> l1_decay = std::nullopt;
  std::optional<double> momentum = std::nullopt;  // SGD/RMSprop momentum, Adam/AdamW beta1
};

// A group as the optimizer holds it: every field resolved.
struct Group {
  std::vector<Variable> params = {};
  double lr = 0;
  double weight_decay = 0;
  double l1_decay = 0;
  double momentum = 0;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // "SGD", "Adam", ...
  const std::string& name() const { return name_; }

  // One update of every parameter that has a gradient.
  void step();
  // Forgets every parameter's gradient (PyTorch's set_to_none).
  void zero_grad();

  const std::vector<Group>& param_groups() const { return groups_; }
  std::size_t num_groups() const { return groups_.size(); }
  // Every parameter of every group, in group order (for clip_grad_norm_).
  std::vector<Variable> parameters() const;
  void add_param_group(const ParamGroup& group);

  double lr(std::size_t group = 0) const;
  void set_lr(std::size_t group, double lr);
  void set_lr(double lr);  // every group
  // Momentum / beta1 of a group; has_momentum() is false for Adagrad.
  virtual bool has_momentum() const { return true; }
  double momentum(std::size_t group = 0) const;
  void set_momentum(std::size_t group, double momentum);
  void set_weight_decay(std::size_t group, double weight_decay);
  void set_l1_decay(std::size_t group, double l1_decay);

  // Updates applied to parameter `index` of `group` so far (0 before its first gradient).
  std::int64_t step_count(std::size_t group, std::size_t index) const;

  StateDict state_dict() const;
  void load_state_dict(const StateDict& state);

 protected:
  struct Defaults {
    double lr = 0;
    double weight_decay = 0;
    double l1_decay = 0;
    double momentum = 0;
  };
  // Per-parameter state: buffers indexed like buffer_names(); undefined until first needed.
  struct ParamState {
    std::int64_t step = 0;
    std::vector<Tensor> buffers;
  };
  struct BufferSpec {
    const char* name;
    bool required;  // must exist once step > 0 (else it is created lazily, e.g. on momentum > 0)
    // A running sum of squares (Adam's exp_avg_sq, Adagrad's sum): a negative value loaded from
    // a checkpoint would make sqrt NaN on the next step, so load_state_dict refuses it.
    bool non_negative = false;
  };

  Optimizer(std::string name, std::string kind, Defaults defaults, L1Mode l1_mode);
  // The single group of the constructors that take a plain parameter list.
  static std::vector<ParamGroup> one_group(std::vector<Variable> params);
  // Derived constructors call this last (it validates through the virtual checks).
  void init_groups(std::vector<ParamGroup> groups);

  // One parameter's update, under NoGradGuard: grad matches param's shape and dtype, and
  // state.step already counts this update.
  virtual void update(const Group& group, Tensor& param, const Tensor& grad, ParamState& state) = 0;
  virtual std::vector<BufferSpec> buffer_specs() const = 0;
  // The per-optimizer hyper-parameters, saved as `hyper` and checked on load.
  virtual std::vector<std::pair<std::string, double>> hyper_parameters() const = 0;
  // Throws naming the optimizer when a group's momentum (or beta1) is out of range.
  virtual void check_momentum(double momentum) const = 0;

  L1Mode l1_mode() const { return l1_mode_; }
  // Buffer k of `state`, created filled with `fill` (param's shape and dtype) when undefined.
  static Tensor& buffer(ParamState& state, std::size_t k, const Tensor& param, double fill);

 private:
  Group resolve(const ParamGroup& g) const;
  void check_group_values(const Group& g) const;

  std::string name_;
  std::string kind_;
  Defaults defaults_;
  L1Mode l1_mode_;
  std::vector<Group> groups_;
  std::vector<std::vector<ParamState>> state_;  // [group][param]
};

// A copy of `state` with every key prefixed ("optimizer." + key), and its inverse: the entries
// whose key starts with prefix, with the prefix removed.
StateDict with_prefix(const StateDict& state, const std::string& prefix);
StateDict strip_prefix(const StateDict& state, const std::string& prefix);

// Small tensors of the state dicts (also used by the schedulers).
Tensor int_entry(std::int64_t v);
Tensor float_entry(double v);
// Reads key from state, checking it exists and holds one element; `who` names the caller.
std::int64_t read_int(const StateDict& state, const std::string& key, const std::string& who);
double read_float(const StateDict& state, const std::string& key, const std::string& who);
// Checks kind.<kind> is present (and no other kind.*), and that `hyper` equals the given values.
void check_kind_and_hyper(const StateDict& state, const std::string& kind, const std::string& who,
                          const std::vector<std::pair<std::string, double>>& hyper);

}  // namespace minidl::optim
