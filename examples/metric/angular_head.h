// The class weight matrix of the angular-margin examples (cosface_loss, arcface_loss,
// sphereface_loss, adacos_loss): W [C, D], a learnable Variable the example owns, trained with
// its own Adam alongside the embedding network.
//
// examples::run_metric_example owns the network's optimizer and calls the loss closure once per
// step, before its zero_grad / backward / step; it has no hook for extra parameters. So the head
// steps itself at the start of each call: the gradient that W collected in the previous step's
// backward is applied just before the next forward (the same update, one call later; the last
// step's gradient is simply dropped).
#pragma once

#include <cmath>
#include <cstdint>

#include "autograd/variable.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::examples {

class ClassWeightHead {
 public:
  // W ~ N(0, 1/D) (rows are normalised by the losses, so only directions matter).
  ClassWeightHead(std::int64_t classes, std::int64_t dim, std::uint64_t seed, double lr)
      : weight_(init(classes, dim, seed)), adam_({weight_}, {.lr = lr}) {}

  // Applies the pending update (if any) and returns W for this step's loss.
  const Variable& weight() {
    if (pending_) {
      adam_.step();
      adam_.zero_grad();
    }
    pending_ = true;
    return weight_;
  }

 private:
  static Variable init(std::int64_t classes, std::int64_t dim, std::uint64_t seed) {
    Generator gen(seed);
    return Variable(mul(randn({classes, dim}, gen), 1.0 / std::sqrt(static_cast<double>(dim))),
                    true);
  }
  Variable weight_;
  optim::Adam adam_;
  bool pending_ = false;
};

}  // namespace minidl::examples
