// The JSON Lines text of an RL trainer's log (train/rl/reinforce.h, train/rl/ppo.h): one object per
// row with Spinning Up's keys; counts (Epoch, TotalEnvInteracts) as integers, a non-finite value
// (e.g. StdEpRet before any episode ended) as null.
#pragma once

#include <string>
#include <vector>

#include "train/callbacks.h"

namespace minidl::train::rl {

std::string spinning_up_jsonl(const std::vector<Logs>& rows);

}  // namespace minidl::train::rl
