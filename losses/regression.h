// Regression losses (layer 2): input and target of the same shape, any number of dimensions.
// Each is defined in losses/regression/<name>.cpp with its formula block.
//
// Unlike PyTorch (which broadcasts with a warning) a target whose shape differs from the input's
// is an error: broadcasting [N] against [N, 1] silently trains on N^2 pairs.
#pragma once

#include "autograd/variable.h"
#include "losses/reduction.h"

namespace minidl::losses {

struct MseLossOptions {
  Reduction reduction = Reduction::Mean;
};
// (input - target)^2, torch.nn.functional.mse_loss.
Variable mse_loss(const Variable& input, const Variable& target,
                  const MseLossOptions& options = {});

}  // namespace minidl::losses
