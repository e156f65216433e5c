#include "optim/decay_groups.h"

namespace minidl::optim {

bool skips_decay(const std::string& name, const Variable& param, const DecayRule& rule) {
  if (rule.skip_1d && param.dim() <= 1) return true;
  for (const std::string& suffix : rule.skip_suffixes) {
    if (suffix.empty()) continue;
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
      return true;
    // A top-level parameter has no leading dot: ".bias" also matches "bias".
    if (suffix.front() == '.' && name == suffix.substr(1)) return true;
  }
  return false;
}

std::vector<ParamGroup> split_decay_groups(
    const std::vector<std::pair<std::string, Variable>>& named_params, const DecayRule& rule) {
  ParamGroup decay, no_decay;
  no_decay.weight_decay = 0.0;
  no_decay.l1_decay = 0.0;
  for (const auto& [name, param] : named_params) {
    MINIDL_CHECK(param.defined(), "split_decay_groups: parameter '", name, "' is undefined");
    (skips_decay(name, param, rule) ? no_decay : decay).params.push_back(param);
  }
  return {std::move(decay), std::move(no_decay)};
}

}  // namespace minidl::optim
