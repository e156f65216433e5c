// Returns and advantages (layer 3), computed in float64 on [T] or [T, N] tensors (T steps in
// time order, N parallel environments); results are float64 of the same shape.
//
// Discounted reward-to-go, restarting at episode boundaries (done_t = 1: the episode ended after
// step t):
//   R_t = r_t + gamma (1 - done_t) R_{t+1},   R_T = last_value (0 if omitted)
// GAE(lambda) (Schulman et al. 2016) with terminated and truncated kept apart:
//   V'_t  = V(s_{t+1}):  values[t + 1] inside the buffer, last_value after its last step, and
//           next_values[t] (the value of the final observation the vectorised env kept) where the
//           episode was truncated at t
//   delta_t = r_t + gamma (1 - terminated_t) V'_t - V_t
//   A_t   = delta_t + gamma lambda (1 - done_t) A_{t+1},   done_t = terminated_t or truncated_t
//   returns_t = A_t + V_t (the value targets)
// So a truncated episode bootstraps from the value of where it was cut (Pardo et al. 2018;
// Stable-Baselines3 does the same by adding gamma V(final obs) to the reward) while a terminated
// one does not. CleanRL's ppo.py folds truncation into done and does not bootstrap: with no
// truncations in the buffer both agree exactly (the tests check it).
// Normalisation: (x - mean) / (std + eps), std with Bessel's correction as torch.std:
//   REINFORCE (pytorch/examples) uses eps = float32 machine epsilon, CleanRL 1e-8.
#pragma once

#include "tensor/tensor.h"

namespace minidl::rl {

// rewards and dones [T] or [T, N] (dones 0/1, any dtype); last_value [N] (or scalar for [T]),
// undefined = 0.
Tensor discounted_returns(const Tensor& rewards, const Tensor& dones, double gamma,
                          const Tensor& last_value = {});

struct GaeInputs {
  Tensor rewards;           // [T] or [T, N]
  Tensor values;            // V(s_t), same shape
  Tensor terminated;        // 0/1, same shape
  Tensor truncated = {};    // 0/1, same shape; undefined = no truncation
  Tensor next_values = {};  // same shape, read only where truncated (undefined if no truncation)
  Tensor last_value;        // [N] or scalar: V(s_T) of the observation after the buffer
};
struct GaeResult {
  Tensor advantages, returns;  // float64, the rewards' shape
};
GaeResult gae(const GaeInputs& inputs, double gamma, double lambda);

// (x - mean(x)) / (std(x, correction 1) + eps); x with one element gives 0 (std taken as 0).
Tensor normalize(const Tensor& x, double eps = 1e-8);

}  // namespace minidl::rl
