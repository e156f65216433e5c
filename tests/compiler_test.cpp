// Guards against the compiler bug behind -mno-avx512f in CMakeLists.txt: GCC 12 with AVX-512
// filled the zero tail of small vector constants with the leading value.
#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

namespace {

TEST_CASE("compiler: small vector constants keep their zero tail") {
  const std::vector<double> d{1, 1, 0, 0};
  CHECK(d == std::vector<double>({1, 1, 0, 0}));
  CHECK(d[2] == 0.0);
  CHECK(d[3] == 0.0);
  const std::vector<double> e{5, 5, 5, 0};
  CHECK(e[3] == 0.0);
  const std::vector<std::int64_t> i{2, 2, 0, 0};
  CHECK(i[3] == 0);
  const std::vector<float> f{1, 1, 1, 1, 0, 0, 0, 0};
  CHECK(f[4] == 0.0f);
  CHECK(f[7] == 0.0f);
}

}  // namespace
