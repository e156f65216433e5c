// libFuzzer target: the .npy reader (magic, version, header length, the dict literal's descr,
// fortran_order and shape, element counts against the data that follows).
#include "data/npy.h"
#include "tests/fuzz/fuzz_util.h"

using namespace minidl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  fuzz::expect_error_or_success([&] { data::parse_npy(fuzz::bytes_of(data, size), "fuzz.npy"); });
  return 0;
}
