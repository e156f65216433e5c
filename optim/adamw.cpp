#include "optim/adamw.h"

namespace minidl::optim {
namespace {

AdamOptions as_adam(const AdamWOptions& o) {
  return {.lr = o.lr,
          .betas = o.betas,
          .eps = o.eps,
          .weight_decay = o.weight_decay,
          .amsgrad = o.amsgrad,
          .l1_decay = o.l1_decay,
          .l1_mode = o.l1_mode};
}

}  // namespace

AdamW::AdamW(std::vector<Variable> params, const AdamWOptions& options)
    : AdamW(one_group(std::move(params)), options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& options)
    : Adam(std::move(groups), as_adam(options), /*decoupled=*/true, "AdamW", "adamw") {}

}  // namespace minidl::optim
