// libFuzzer target: load_checkpoint into a small model (Linear 3->2) with Adam, StepLR and an
// EarlyStopping that keeps best weights. The input is the file: it is written to a memfd and
// loaded through /proc/self/fd/N, so no disk is touched. A failed load must leave the state as
// it was (checked on the model's weights).
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "nn/linear.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/random.h"
#include "tests/fuzz/fuzz_util.h"
#include "train/checkpoint.h"

using namespace minidl;

namespace {

struct State {
  Generator gen{1};
  nn::Linear model{3, 2, gen};
  optim::Adam opt{model.parameters()};
  optim::StepLR sched{opt, {.step_size = 2, .gamma = 0.5}};
  train::EarlyStopping es{{.restore_best_weights = true}};
  train::TrainState state() { return {model, &opt, &sched, nullptr, {&es}}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  static const int fd = ::memfd_create("fuzz_checkpoint", MFD_CLOEXEC);
  static const std::string path = "/proc/self/fd/" + std::to_string(fd);
  if (fd < 0 || ::ftruncate(fd, 0) != 0) return 0;
  if (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)) return 0;
  State s;
  const std::vector<double> before = s.model.state_dict().at("weight").to_vector();
  try {
    train::load_checkpoint(path, s.state());
  } catch (const Error&) {
    if (s.model.state_dict().at("weight").to_vector() != before) __builtin_trap();
  }
  return 0;
}
