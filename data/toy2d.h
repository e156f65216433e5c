// 2-D toy distributions for GANs (layer 3), generated from an explicit Generator: the standard
// pictures of mode collapse (Metz et al. 2017's ring, Gulrajani et al. 2017's grid and roll).
//
//   ring8     8 Gaussians with centres on the circle of radius 2 (angles 2 pi k / 8), std 0.02
//   grid25    25 Gaussians with centres {-2, -1, 0, 1, 2}^2, std 0.02
//   swiss_roll  t = 1.5 pi (1 + 2 u), u ~ U[0, 1): (t cos t, t sin t) / 5 + N(0, 0.02^2 I)
//               (scikit-learn's make_swiss_roll in the plane, scaled into [-3, 3]); no modes
// Each sample picks its mode uniformly. Samples [n, 2] in the dtype asked for.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/random.h"
#include "tensor/tensor.h"

namespace minidl::data {

enum class Toy2d { kRing8, kGrid25, kSwissRoll };

inline constexpr double kToy2dStd = 0.02;

// "ring8", "grid25", "swiss_roll", and back (an unknown name is an error listing the known ones).
const char* toy2d_name(Toy2d toy);
Toy2d parse_toy2d(std::string_view name);

// The mode centres [M, 2] (float64); [0, 2] for the swiss roll.
Tensor toy2d_modes(Toy2d toy);
// n samples [n, 2] drawn from gen.
Tensor sample_toy2d(Toy2d toy, std::int64_t n, Generator& gen, DType dtype = kFloat32);

}  // namespace minidl::data
