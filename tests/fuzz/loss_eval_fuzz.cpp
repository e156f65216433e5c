// libFuzzer target: `minidl loss eval` on a JSON case (tools/loss_eval.h): any text gives an answer
// or a minidl::Error (the tool's exit 0 or 2), never a crash.
#include "tests/fuzz/fuzz_util.h"
#include "tools/loss_eval.h"

using namespace minidl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  fuzz::expect_error_or_success([&] { tools::loss_eval(fuzz::bytes_of(data, size)); });
  return 0;
}
