// libFuzzer target: the CSV reader. The first byte picks the options (delimiter, header, label
// kind, allow_missing, dtype); the rest is the text.
#include "data/csv.h"
#include "tests/fuzz/fuzz_util.h"

using namespace minidl;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::init_once();
  if (size == 0) return 0;
  const std::uint8_t o = data[0];
  data::CsvOptions options;
  options.delimiter = (o & 1) ? ';' : ',';
  options.header = (o & 2) == 0;
  options.label = (o & 4) ? data::LabelKind::kFloat
                          : ((o & 8) ? data::LabelKind::kNone : data::LabelKind::kClass);
  options.allow_missing = (o & 16) != 0;
  options.dtype = (o & 32) ? kFloat64 : kFloat32;
  options.label_index = (o & 64) ? 0 : -1;
  fuzz::expect_error_or_success(
      [&] { data::parse_csv(fuzz::bytes_of(data + 1, size - 1), options, "fuzz.csv"); });
  return 0;
}
