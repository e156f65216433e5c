// group_dro_loss: online group distributionally robust optimisation (Sagawa, Koh, Hashimoto and
// Liang, "Distributionally robust neural networks for group shifts", ICLR 2020, Algorithm 1 and
// the authors' loss.py).
//
// Group DRO minimises the worst expected loss over the groups,
//   min_theta max_g E_{(x, y) ~ P_g}[l(theta; x, y)] = min_theta max_{q in simplex} sum_g q_g L_g
// The inner max is solved online: q is a distribution over the G groups kept across steps, and
// each step does one exponentiated-gradient ascent step on it, then a descent step on theta for
// the q-weighted loss. On a batch, with L_g the mean cross-entropy of group g's samples (0 for a
// group absent from the batch, as the authors' code):
//   q'_g  = q_g exp(eta L_g) / sum_k q_k exp(eta L_k)       (computed as a softmax of
//           log q_g + eta L_g, so a large eta L cannot overflow; q_g = 0 stays 0)
//   loss  = sum_g q'_g L_g
// q' is a constant for the gradient (the authors update it under no_grad, with the loss's .data):
//   d loss / d x_i = (q'_{a_i} / m_{a_i}) (softmax(x_i) - onehot(y_i)),  m_g = group g's count
// eta = 0 keeps q: with q uniform that is the mean of the group means. A large eta puts all the
// weight on the current worst group. Sagawa et al. also strengthen weight decay or stop early, and
// add an optional adjustment C / sqrt(n_g) to L_g for generalisation; neither is part of the
// loss here (weight decay is the optimizer's; the adjustment would need the training counts).
// No PyTorch function; the fixture writes Algorithm 1 in torch ops.
//
// Shapes: input [N, C] logits, target int64 [N] in [0, C), group int64 [N] in [0, G), G =
// group_weights.size(). The loss is 0-d.
#include <algorithm>
#include <cmath>
#include <utility>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "losses/classification.h"
#include "losses/robust.h"
#include "losses/robust/group_util.h"
#include "tensor/ops.h"

namespace minidl::losses {
namespace {

constexpr const char* kOp = "group_dro_loss";

void check_weights(const std::vector<double>& q, double step_size) {
  MINIDL_CHECK(!q.empty(), kOp,
               ": group_weights is empty; give q_g for each group (uniform: all 1)");
  double total = 0;
  for (std::size_t g = 0; g < q.size(); ++g) {
    MINIDL_CHECK(q[g] >= 0 && std::isfinite(q[g]), kOp, ": group_weights[", g, "] is ", q[g],
                 "; each must be finite and >= 0");
    total += q[g];
  }
  MINIDL_CHECK(total > 0, kOp, ": group_weights are all 0");
  MINIDL_CHECK(step_size >= 0 && std::isfinite(step_size), kOp,
               ": step_size must be finite and >= 0, got ", step_size);
}

// L_g of the batch, q' = group_dro_update(q, L, eta) into q_next, and sum_g q'_g L_g.
Variable dro_step(const Variable& input, const Variable& target, const Variable& group,
                  const std::vector<double>& q, double step_size, std::vector<double>& q_next) {
  check_weights(q, step_size);
  const auto num_groups = static_cast<std::int64_t>(q.size());
  check_group_inputs(kOp, input, target, group, num_groups);
  const Variable per_sample = cross_entropy(input, target, {.reduction = Reduction::None});
  const Variable losses = group_means(per_sample, group.value(), num_groups);
  q_next = group_dro_update(q, losses.value().to_vector(), step_size);
  return sum(losses * Variable(from_vector(q_next).to(input.dtype())));
}

}  // namespace

std::vector<double> group_dro_update(const std::vector<double>& group_weights,
                                     const std::vector<double>& group_losses, double step_size) {
  check_weights(group_weights, step_size);
  MINIDL_CHECK(group_losses.size() == group_weights.size(), kOp, ": ", group_losses.size(),
               " group losses for ", group_weights.size(), " group weights");
  std::vector<double> z(group_weights.size());
  double top = -INFINITY;
  for (std::size_t g = 0; g < z.size(); ++g) {
    z[g] =
        group_weights[g] > 0 ? std::log(group_weights[g]) + step_size * group_losses[g] : -INFINITY;
    top = std::max(top, z[g]);
  }
  double total = 0;
  for (double& v : z) total += (v = std::exp(v - top));
  for (double& v : z) v /= total;
  return z;
}

Variable group_dro_loss(const Variable& input, const Variable& target, const Variable& group,
                        const GroupDroLossOptions& options) {
  std::vector<double> unused;
  return dro_step(input, target, group, options.group_weights, options.step_size, unused);
}

GroupDro::GroupDro(std::int64_t num_groups, double step_size)
    : q_(static_cast<std::size_t>(std::max<std::int64_t>(num_groups, 0)), 1.0),
      step_size_(step_size) {
  MINIDL_CHECK(num_groups >= 1, "GroupDro: num_groups must be >= 1, got ", num_groups);
  for (double& v : q_) v /= static_cast<double>(num_groups);
  check_weights(q_, step_size);
}

Variable GroupDro::operator()(const Variable& input, const Variable& target,
                              const Variable& group) {
  std::vector<double> next;
  Variable loss = dro_step(input, target, group, q_, step_size_, next);
  q_ = std::move(next);
  return loss;
}

}  // namespace minidl::losses
