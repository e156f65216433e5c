// libFuzzer target: the IDX reader on plain bytes (header, dims, data, trailing bytes), as float32
// with a scale and as int64, with an expected rank taken from the first byte.
#include "data/idx.h"
#include "tests/fuzz/fuzz_util.h"

using namespace minidl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  const std::string_view bytes = fuzz::bytes_of(data, size);
  // 64 MiB: a header may claim up to this much; more is refused before allocating.
  const std::uint64_t max_bytes = std::uint64_t{64} << 20;
  fuzz::expect_error_or_success([&] {
    data::parse_idx(bytes, "fuzz.idx",
                    {.dtype = kFloat32, .scale = 1.0 / 255, .max_bytes = max_bytes});
  });
  fuzz::expect_error_or_success([&] {
    const std::int64_t ndim = size > 0 ? data[0] % 4 : -1;
    data::parse_idx(bytes, "fuzz.idx",
                    {.dtype = kInt64, .expected_ndim = ndim, .max_bytes = max_bytes});
  });
  return 0;
}
