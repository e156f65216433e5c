// Tests for upsample (autograd/upsample.h): PyTorch fixtures (tests/fixtures/gan_layers.json),
// values by hand for both modes, gradcheck and gradgradcheck, float32 against float64, errors.
#include "autograd/upsample.h"

#include <doctest/doctest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "autograd/gradcheck.h"
#include "autograd/tape.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "tests/test_util.h"

using namespace minidl;

namespace {

using nlohmann::json;

Tensor from_json(const json& j) {
  return from_vector(j.at("data").get<std::vector<double>>(), j.at("shape").get<Shape>());
}

UpsampleOptions options_of(const json& p) {
  UpsampleOptions o;
  if (!p.at("size").is_null()) {
    auto v = p.at("size").get<std::vector<std::int64_t>>();
    REQUIRE(v.size() == 2);
    o.size = std::array<std::int64_t, 2>{v[0], v[1]};
  }
  if (!p.at("scale_factor").is_null()) {
    auto v = p.at("scale_factor").get<std::vector<double>>();
    REQUIRE(v.size() == 2);
    o.scale_factor = std::array<double, 2>{v[0], v[1]};
  }
  o.mode = upsample_mode_from_name(p.at("mode").get<std::string>());
  if (!p.at("align_corners").is_null()) o.align_corners = p.at("align_corners").get<bool>();
  return o;
}

}  // namespace

TEST_CASE("upsample: forward and gradients match PyTorch fixtures") {
  std::ifstream file(std::string(MINIDL_FIXTURE_DIR) + "/gan_layers.json");
  REQUIRE_MESSAGE(file.good(), "missing tests/fixtures/gan_layers.json");
  int seen = 0;
  const json all = json::parse(file);
  for (const json& c : all.at("ops")) {
    if (c.at("op") != "upsample") continue;
    ++seen;
    const std::string name = c.at("name").get<std::string>();
    CAPTURE(name);
    Variable x(from_json(c.at("inputs").at(0)), true);
    Variable out = upsample(x, options_of(c.at("params")));
    CHECK_TENSOR_CLOSE(out.value(), from_json(c.at("output")), 1e-12, 1e-13);
    Variable loss = sum(mul(out, Variable(from_json(c.at("weights")))));
    CHECK_TENSOR_CLOSE(grad({loss}, {x})[0].value(), from_json(c.at("grads").at(0)), 1e-12, 1e-13);
  }
  CHECK(seen >= 8);
}

TEST_CASE("upsample: nearest and bilinear by hand") {
  Variable x(tensor({{{{1.0, 2.0}, {3.0, 4.0}}}}));
  UpsampleOptions o{.scale_factor = std::array<double, 2>{2.0, 2.0}};
  CHECK_TENSOR_CLOSE(upsample(x, o).value(), tensor({{{{1.0, 1.0, 2.0, 2.0},
                                                       {1.0, 1.0, 2.0, 2.0},
                                                       {3.0, 3.0, 4.0, 4.0},
                                                       {3.0, 3.0, 4.0, 4.0}}}}));
  // align_corners: the corners stay, the middle is the mean of the 4.
  o = {.size = std::array<std::int64_t, 2>{3, 3},
       .mode = UpsampleMode::kBilinear,
       .align_corners = true};
  CHECK_TENSOR_CLOSE(upsample(x, o).value(),
                     tensor({{{{1.0, 1.5, 2.0}, {2.0, 2.5, 3.0}, {3.0, 3.5, 4.0}}}}));
  // Half-pixel centres: out 0 reads src max(0.25 - 0.5, 0) = 0, out 1 reads 0.25.
  o = {.scale_factor = std::array<double, 2>{2.0, 2.0}, .mode = UpsampleMode::kBilinear};
  Tensor y = upsample(x, o).value();
  CHECK(y.at(0) == doctest::Approx(1.0));
  CHECK(y.at(1) == doctest::Approx(1.25));
  CHECK(y.at(2) == doctest::Approx(1.75));
  CHECK(y.at(3) == doctest::Approx(2.0));
}

TEST_CASE("upsample: gradcheck and gradgradcheck for both modes") {
  Generator gen(41);
  const UpsampleOptions rows[] = {
      {.scale_factor = std::array<double, 2>{2.0, 1.5}},
      {.size = std::array<std::int64_t, 2>{5, 2}},
      {.scale_factor = std::array<double, 2>{2.0, 2.0}, .mode = UpsampleMode::kBilinear},
      {.size = std::array<std::int64_t, 2>{4, 7},
       .mode = UpsampleMode::kBilinear,
       .align_corners = true},
  };
  for (const UpsampleOptions& o : rows) {
    CAPTURE(upsample_mode_name(o.mode));
    Variable x(randn({2, 2, 3, 4}, gen, kFloat64), true);
    VariableFn f = [o](const std::vector<Variable>& v) {
      return std::vector<Variable>{upsample(v[0], o)};
    };
    GradcheckResult g = gradcheck(f, {x});
    CHECK_MESSAGE(g.ok, g.message);
    // Products of the input (x * upsample(x)) so the second derivative is not trivially zero.
    VariableFn f2 = [o](const std::vector<Variable>& v) {
      Variable u = upsample(v[0], o);
      return std::vector<Variable>{mul(u, u)};
    };
    GradcheckResult gg = gradgradcheck(f2, {x});
    CHECK_MESSAGE(gg.ok, gg.message);
  }
}

TEST_CASE("upsample: float32 follows float64") {
  Generator gen(42);
  Tensor x = randn({1, 3, 5, 4}, gen, kFloat64);
  UpsampleOptions o{.size = std::array<std::int64_t, 2>{8, 9}, .mode = UpsampleMode::kBilinear};
  CHECK_TENSOR_CLOSE(upsample(Variable(x.to(kFloat32)), o).value().to(kFloat64),
                     upsample(Variable(x), o).value(), 1e-5, 1e-6);
}

TEST_CASE("upsample: errors name the op and the values") {
  Variable x(zeros({1, 1, 2, 2}));
  CHECK_THROWS_WITH_AS(upsample(x, {}), "upsample: give exactly one of size and scale_factor",
                       Error);
  CHECK_THROWS_WITH_AS(
      upsample(x, {.scale_factor = std::array<double, 2>{2.0, 2.0}, .align_corners = true}),
      "upsample: align_corners can only be set with the bilinear mode", Error);
  CHECK_THROWS_WITH_AS(upsample(x, {.scale_factor = std::array<double, 2>{0.0, 2.0}}),
                       "upsample: scale_factor must be positive and finite, got 0x2", Error);
  CHECK_THROWS_WITH_AS(upsample(x, {.scale_factor = std::array<double, 2>{0.2, 2.0}}),
                       "upsample: output size 0x4 must be >= 1 (input 2x2)", Error);
  CHECK_THROWS_WITH_AS(
      upsample(Variable(zeros({2, 2})), {.size = std::array<std::int64_t, 2>{1, 1}}),
      "upsample: input must be [N, C, H, W], got shape [2,2]", Error);
  CHECK_THROWS_WITH_AS(upsample_mode_from_name("bicubic"),
                       "upsample: mode must be \"nearest\" or \"bilinear\", got \"bicubic\"",
                       Error);
}
