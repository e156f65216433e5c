// Checkpoints of the actor-critic trainers (the layout is in train/rl/checkpoint.h).
#include "train/rl/checkpoint.h"

#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <sstream>

#include "nn/safetensors.h"
#include "tensor/error.h"
#include "train/rl/log_util.h"

namespace minidl::train::rl {
namespace {

constexpr const char* kFormat = "minidl-rl-checkpoint";

Tensor int64_tensor(const std::vector<std::int64_t>& v) {
  Tensor t({static_cast<std::int64_t>(v.size())}, kInt64);
  if (!v.empty()) std::memcpy(t.data<std::int64_t>(), v.data(), v.size() * sizeof(std::int64_t));
  return t;
}

std::vector<std::int64_t> int64_values(const Tensor& t) {
  const auto* p = t.data<std::int64_t>();
  return std::vector<std::int64_t>(p, p + t.numel());
}

const Tensor& get(const nn::StateDict& d, const std::string& key, const std::string& path) {
  auto it = d.find(key);
  MINIDL_CHECK(it != d.end(), "load_rl_checkpoint: ", path, " has no '", key, "'");
  return it->second;
}

std::vector<Logs> parse_log(const std::string& text) {
  std::vector<Logs> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Logs row;
    const nlohmann::json j = nlohmann::json::parse(line);
    for (auto it = j.begin(); it != j.end(); ++it)
      row[it.key()] = it->is_null() ? std::nan("") : it->get<double>();
    rows.push_back(row);
  }
  return rows;
}

}  // namespace

void save_rl_checkpoint(const std::string& path, const RlTrainState& s,
                        std::int64_t iterations_done) {
  nn::StateDict d;
  for (const auto& [k, v] : s.model.state_dict()) d["model." + k] = v;
  for (std::size_t i = 0; i < s.optimizers.size(); ++i)
    for (const auto& [k, v] : s.optimizers[i]->state_dict())
      d["optimizer" + std::to_string(i) + "." + k] = v;
  d["generator"] = int64_tensor(
      {static_cast<std::int64_t>(s.gen.seed()), static_cast<std::int64_t>(s.gen.offset())});
  const minidl::rl::EnvState words =
      s.envs != nullptr ? s.envs->state() : minidl::rl::env_state(*s.env);
  d[s.envs != nullptr ? "envs" : "env"] =
      int64_tensor(std::vector<std::int64_t>(words.begin(), words.end()));
  if (s.envs != nullptr) d["obs"] = s.obs.clone();
  d["episodes.returns"] = from_vector(s.episodes.returns);
  d["episodes.lengths"] = int64_tensor(s.episodes.lengths);
  d["episodes.end_steps"] = int64_tensor(s.episodes.end_steps);
  d["episodes.total_steps"] = int64_tensor({s.episodes.total_steps});
  d["iteration"] = int64_tensor({iterations_done});
  std::ostringstream eval;
  eval.precision(17);
  eval << s.eval_before;
  nn::save_safetensors(path, d,
                       {{"format", kFormat},
                        {"version", "1"},
                        {"log", spinning_up_jsonl(s.log)},
                        {"eval_before", eval.str()}});
}

std::int64_t load_rl_checkpoint(const std::string& path, const RlTrainState& s) {
  const nn::SafetensorsContents c = nn::load_safetensors(path);
  auto fmt = c.metadata.find("format");
  MINIDL_CHECK(fmt != c.metadata.end() && fmt->second == kFormat, "load_rl_checkpoint: ", path,
               " is not a minidl RL checkpoint");
  nn::StateDict model, opt;
  for (const auto& [k, v] : c.tensors)
    if (k.rfind("model.", 0) == 0) model[k.substr(6)] = v;
  const nn::LoadReport report = s.model.load_state_dict(model, /*strict=*/true);
  MINIDL_CHECK(report.ok(), "load_rl_checkpoint: ", path, ": ", report.to_string());
  for (std::size_t i = 0; i < s.optimizers.size(); ++i) {
    nn::StateDict o;
    const std::string prefix = "optimizer" + std::to_string(i) + ".";
    for (const auto& [k, v] : c.tensors)
      if (k.rfind(prefix, 0) == 0) o[k.substr(prefix.size())] = v;
    s.optimizers[i]->load_state_dict(o);
  }
  const std::vector<std::int64_t> g = int64_values(get(c.tensors, "generator", path));
  MINIDL_CHECK(g.size() == 2, "load_rl_checkpoint: ", path, ": generator must hold 2 values");
  s.gen.set_state(static_cast<std::uint64_t>(g[0]), static_cast<std::uint64_t>(g[1]));
  const std::vector<std::int64_t> words =
      int64_values(get(c.tensors, s.envs != nullptr ? "envs" : "env", path));
  const minidl::rl::EnvState state(words.begin(), words.end());
  if (s.envs == nullptr) {
    minidl::rl::load_env_state(*s.env, state);
  } else {
    s.envs->load_state(state);
    const Tensor& obs = get(c.tensors, "obs", path);
    const Shape want{s.envs->num_envs(), s.envs->observation_space().flat_size()};
    MINIDL_CHECK(obs.shape() == want, "load_rl_checkpoint: ", path, ": obs is ",
                 shape_str(obs.shape()), ", the environments give ", shape_str(want));
    s.obs = obs.clone();
  }
  s.episodes.returns = get(c.tensors, "episodes.returns", path).to(kFloat64).to_vector();
  s.episodes.lengths = int64_values(get(c.tensors, "episodes.lengths", path));
  s.episodes.end_steps = int64_values(get(c.tensors, "episodes.end_steps", path));
  s.episodes.total_steps = int64_values(get(c.tensors, "episodes.total_steps", path)).at(0);
  auto log = c.metadata.find("log");
  s.log = log == c.metadata.end() ? std::vector<Logs>{} : parse_log(log->second);
  auto eval = c.metadata.find("eval_before");
  s.eval_before = eval == c.metadata.end() ? 0.0 : std::stod(eval->second);
  return int64_values(get(c.tensors, "iteration", path)).at(0);
}

}  // namespace minidl::train::rl
