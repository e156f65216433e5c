#include "train/rl/log_util.h"

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>

namespace minidl::train::rl {

std::string spinning_up_jsonl(const std::vector<Logs>& rows) {
  std::string out;
  for (const Logs& row : rows) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : row) {
      if (!std::isfinite(v))
        j[k] = nullptr;
      else if (k == "Epoch" || k == "TotalEnvInteracts")
        j[k] = static_cast<std::int64_t>(v);
      else
        j[k] = v;
    }
    out += j.dump() + "\n";
  }
  return out;
}

}  // namespace minidl::train::rl
