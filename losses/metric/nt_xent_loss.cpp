// nt_xent_loss: the normalized temperature-scaled cross entropy of SimCLR, Chen, Kornblith,
// Norouzi and Hinton 2020, "A Simple Framework for Contrastive Learning of Visual
// Representations" (arXiv:2002.05709), eq. 1 and Algorithm 1.
//
//   z      = [z1; z2]                         [2N, D], row i's other view is p(i) = i +- N
//   s_ik   = cos(z_i, z_k)                     (normalize_embeddings, the default; else z_i.z_k)
//   l_i    = -log( exp(s_ip(i) / tau) / sum_{k != i} exp(s_ik / tau) )
//          = logsumexp_{k != i}(s_ik / tau) - s_ip(i) / tau
//   mean: (1/2N) sum_i l_i  (SimCLR's L, both l(2k-1, 2k) and l(2k, 2k-1))   sum   none: [2N]
//
// The 2N x 2N similarity matrix leaves out self-similarity: its diagonal is set to -inf before
// the softmax (exp(-inf) = 0, so k = i is simply absent from the denominator; the masked entries
// get exactly zero gradient). Each anchor's negatives are the other 2(N - 1) rows of both views.
// tau = 0.5 is SimCLR's CIFAR-10 value (pytorch-metric-learning's NTXentLoss uses 0.07).
//
// Gradient: with p_ik = softmax_{k != i}(s_ik / tau), dl_i/ds_ik = (p_ik - [k = p(i)]) / tau,
// then through the cosine to z1 and z2 (l2_normalize: x / max(|x|, 1e-12)).
// Stability: log_softmax subtracts the row maximum (log-sum-exp); the -inf diagonal never is the
// maximum because every row has its positive, so no inf - inf appears.
// Every anchor has a positive (its other view); N = 1 gives exactly 0 (each anchor's softmax has
// one entry) with zero gradients.
//
// Shapes: z1 [N, D], z2 [N, D] floating, same shape.
#include <limits>

#include "autograd/functional.h"
#include "losses/metric/distance_util.h"
#include "losses/metric_softmax.h"
#include "tensor/error.h"

namespace minidl::losses {

Variable nt_xent_loss(const Variable& z1, const Variable& z2, const NtXentLossOptions& o) {
  constexpr const char* kOp = "nt_xent_loss";
  check_floating(kOp, "z1", z1);
  check_floating(kOp, "z2", z2);
  MINIDL_CHECK(z1.dim() == 2, kOp, ": z1 must be [N, D], got ", shape_str(z1.shape()));
  check_same_shape(kOp, "z1", z1, "z2", z2);
  check_not_empty(kOp, "z1", z1);
  MINIDL_CHECK(o.temperature > 0, kOp, ": temperature must be > 0, got ", o.temperature);
  MINIDL_CHECK(o.reduction != Reduction::BatchMean, kOp,
               ": reduction must be 'none', 'mean' or 'sum'");
  const std::int64_t n = z1.size(0);
  const Variable z = concat({z1, z2}, 0);
  const Variable sim = o.normalize_embeddings ? cosine_similarity_matrix(z, z) : dot_matrix(z, z);
  // Self-similarity out of every row's softmax: the diagonal of the 2N x 2N mask.
  std::vector<std::int64_t> mask(static_cast<std::size_t>(4 * n * n), 0);
  std::vector<std::int64_t> positive(static_cast<std::size_t>(2 * n));
  for (std::int64_t i = 0; i < 2 * n; ++i) {
    mask[static_cast<std::size_t>(i * 2 * n + i)] = 1;
    positive[static_cast<std::size_t>(i)] = i < n ? i + n : i - n;
  }
  const Variable logits = masked_fill(sim / o.temperature, from_vector(mask, {2 * n, 2 * n}),
                                      -std::numeric_limits<double>::infinity());
  const Variable log_p = log_softmax(logits, 1);
  const Variable loss =
      neg(reshape(take_along_axis(log_p, from_vector(positive, {2 * n, 1}), 1), {2 * n}));
  return reduce(loss, o.reduction, kOp);
}

}  // namespace minidl::losses
