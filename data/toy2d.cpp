#include "data/toy2d.h"

#include <cmath>
#include <numbers>

#include "tensor/error.h"
#include "tensor/ops.h"

namespace minidl::data {

const char* toy2d_name(Toy2d toy) {
  switch (toy) {
    case Toy2d::kRing8:
      return "ring8";
    case Toy2d::kGrid25:
      return "grid25";
    case Toy2d::kSwissRoll:
      return "swiss_roll";
  }
  return "?";
}

Toy2d parse_toy2d(std::string_view name) {
  for (Toy2d t : {Toy2d::kRing8, Toy2d::kGrid25, Toy2d::kSwissRoll})
    if (name == toy2d_name(t)) return t;
  MINIDL_FAIL("toy2d: unknown toy '", name, "' (known: ring8, grid25, swiss_roll)");
}

Tensor toy2d_modes(Toy2d toy) {
  std::vector<double> c;
  if (toy == Toy2d::kRing8) {
    for (int k = 0; k < 8; ++k) {
      const double a = 2 * std::numbers::pi * k / 8;
      c.push_back(2 * std::cos(a));
      c.push_back(2 * std::sin(a));
    }
  } else if (toy == Toy2d::kGrid25) {
    for (int i = -2; i <= 2; ++i)
      for (int j = -2; j <= 2; ++j) {
        c.push_back(i);
        c.push_back(j);
      }
  }
  return from_vector(c, {static_cast<std::int64_t>(c.size() / 2), 2});
}

Tensor sample_toy2d(Toy2d toy, std::int64_t n, Generator& gen, DType dtype) {
  MINIDL_CHECK(n >= 0, "toy2d: sample count must be >= 0, got ", n);
  MINIDL_CHECK(dtype != kInt64, "toy2d: samples must be float32 or float64");
  const Tensor noise = randn({n, 2}, gen, kFloat64, 0.0, kToy2dStd);
  const double* e = noise.data<double>();
  std::vector<double> out(static_cast<std::size_t>(2 * n));
  if (toy == Toy2d::kSwissRoll) {
    const Tensor u = rand({n}, gen, kFloat64);
    const double* up = u.data<double>();
    for (std::int64_t i = 0; i < n; ++i) {
      const double t = 1.5 * std::numbers::pi * (1 + 2 * up[i]);
      out[2 * i] = t * std::cos(t) / 5 + e[2 * i];
      out[2 * i + 1] = t * std::sin(t) / 5 + e[2 * i + 1];
    }
  } else {
    const Tensor modes = toy2d_modes(toy);
    const Tensor pick = randint(0, modes.shape()[0], {n}, gen);
    const std::int64_t* k = pick.data<std::int64_t>();
    const double* m = modes.data<double>();
    for (std::int64_t i = 0; i < n; ++i) {
      out[2 * i] = m[2 * k[i]] + e[2 * i];
      out[2 * i + 1] = m[2 * k[i] + 1] + e[2 * i + 1];
    }
  }
  return from_vector(out, {n, 2}).to(dtype);
}

}  // namespace minidl::data
