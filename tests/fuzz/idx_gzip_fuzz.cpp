// libFuzzer target: the IDX reader through gzip. The input is read as it is (mutated gzip streams:
// corrupt headers, checksums, members, truncation) and gzip'd by us (valid streams whose inflated
// IDX content is the fuzzed part), plus gunzip bounded by max_bytes.
#include "data/gzip.h"
#include "data/idx.h"
#include "tests/fuzz/fuzz_util.h"

using namespace minidl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  const std::string_view bytes = fuzz::bytes_of(data, size);
  const std::uint64_t max_bytes = std::uint64_t{64} << 20;
  fuzz::expect_error_or_success(
      [&] { data::parse_idx(bytes, "fuzz.idx.gz", {.max_bytes = max_bytes}); });
  fuzz::expect_error_or_success([&] { data::gunzip(bytes, "fuzz.gz", max_bytes); });
  fuzz::expect_error_or_success([&] {
    data::parse_idx(data::gzip(bytes, 1), "fuzz.idx.gz",
                    {.dtype = kFloat64, .max_bytes = max_bytes});
  });
  return 0;
}
