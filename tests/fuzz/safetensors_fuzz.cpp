// libFuzzer target: the safetensors decoder (header length, JSON header, entries, offsets,
// metadata, duplicate names, nesting).
#include "nn/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

using namespace minidl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  fuzz::expect_error_or_success(
      [&] { nn::decode_safetensors(fuzz::bytes_of(data, size), "fuzz.safetensors"); });
  return 0;
}
