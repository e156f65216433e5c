// Pieces the metric losses share (internal to losses/metric/): the exact zero of an empty tuple
// set, index checks, entries of a pairwise matrix, and the hinge terms of the margin losses.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "autograd/variable.h"
#include "losses/metric/miner_util.h"
#include "losses/reduction.h"

namespace minidl::losses::metric_detail {

// The loss of an empty tuple set: exactly 0 (0-d; for Reduction::None an empty [0] vector) that is
// still a function of x, so backward() works and gives x a gradient of zeros. It sums an empty
// slice of x rather than multiplying x by 0, which would turn an inf or NaN in x into NaN.
Variable zero_loss(const Variable& x, Reduction reduction);

// Checks that every index tensor is int64 [T] (equal T for all) with values in [0, n).
void check_tuples(std::string_view op, const TripletTuples& t, std::int64_t n);
void check_tuples(std::string_view op, const PairTuples& t, std::int64_t n);

// m[rows[t], cols[t]] for every t: [T] from m [N, M] (differentiable in m).
Variable matrix_entries(const Variable& m, const Tensor& rows, const Tensor& cols);

// The contrastive terms for squared distances d2 (D = safe_sqrt(d2)):
//   similar      squared: 1/2 d2          plain: D
//   dissimilar   squared: 1/2 [m - D]_+^2  plain: [m - D]_+
// The hinge's kink at D = m takes the subgradient 0 (relu); D at 0 has gradient 0 (safe_sqrt).
Variable contrastive_similar_terms(const Variable& d2, bool squared);
Variable contrastive_dissimilar_terms(const Variable& d2, double margin, bool squared);

// The reduction of the contrastive losses with their balance options (ContrastiveLossOptions),
// for pair terms l [T] of which positive[t] says similar:
//   w_t = positive_weight or negative_weight
//   none: w_t l_t   sum: sum_t w_t l_t   mean: sum_t w_t l_t / T
//   balanced mean: w_+ sum_{t in P} l_t / |P| + w_- sum_{t in N} l_t / |N|  (an empty set adds 0)
// All four are sum_t c_t l_t (or c_t l_t) with constant coefficients c_t, so the gradient is c_t
// times each term's. Checks the weights (finite, >= 0) and names op in errors.
struct PairBalance {
  bool balanced = false;
  double positive_weight = 1.0;
  double negative_weight = 1.0;
};
Variable reduce_pair_terms(std::string_view op, const Variable& terms,
                           const std::vector<bool>& positive, const PairBalance& balance,
                           Reduction reduction);

}  // namespace minidl::losses::metric_detail
