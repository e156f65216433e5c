// Splitting parameters into a decayed and a non-decayed group.
//
// Weight decay on biases and normalisation parameters (BatchNorm/LayerNorm gamma and beta) only
// hurts: they do not grow with the model's capacity, and shrinking a norm's scale fights the
// normalisation. The usual rule (BERT, GPT-2, timm) decays only the weight matrices and kernels:
// a parameter skips decay when it has at most one dimension or its name ends in ".bias".
//
//   auto groups = optim::split_decay_groups(model.named_parameters());
//   optim::AdamW opt(groups, {.lr = 1e-3, .weight_decay = 0.05});
//
// Takes names and Variables (not nn::Module) so that optim/ does not depend on nn/.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "optim/optimizer.h"

namespace minidl::optim {

struct DecayRule {
  bool skip_1d = true;                                 // dim() <= 1: biases, norm scales/shifts
  std::vector<std::string> skip_suffixes = {".bias"};  // also matches a bare "bias"
};

// True when `param` (called `name`) should not be decayed under `rule`.
bool skips_decay(const std::string& name, const Variable& param, const DecayRule& rule = {});

// Always two groups, in this order, so group indices (and state-dict keys) do not depend on the
// model: [0] decayed parameters (the optimizer's weight_decay and l1_decay), [1] the others
// (weight_decay 0 and l1_decay 0; for AdamW that also turns off its decoupled decay). Each group
// keeps the given order; either may be empty.
std::vector<ParamGroup> split_decay_groups(
    const std::vector<std::pair<std::string, Variable>>& named_params, const DecayRule& rule = {});

}  // namespace minidl::optim
