#include "tests/loss_fixtures.h"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "tools/loss_eval.h"

namespace minidl::testing {
namespace {

using nlohmann::json;

constexpr double kRtol = 1e-10;
constexpr double kAtol = 1e-12;

const std::vector<json>& all_cases() {
  static const std::vector<json> cases = [] {
    std::vector<json> out;
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(MINIDL_FIXTURE_DIR)) {
      const std::string f = e.path().filename().string();
      if (f.rfind("losses_", 0) == 0 && e.path().extension() == ".json") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      std::ifstream in(path);
      const json doc = json::parse(in);
      for (const json& c : doc.at("cases")) out.push_back(c);
    }
    return out;
  }();
  return cases;
}

// "" when every value of `actual` is within tolerance of `expected` (null = non-finite).
std::string compare_values(const json& actual, const json& expected) {
  auto values = [](const json& v) {
    std::vector<json> out;
    if (v.is_object()) {
      for (const json& x : v.at("data")) out.push_back(x);
    } else {
      out.push_back(v);
    }
    return out;
  };
  if (expected.is_object() != actual.is_object()) return "scalar vs tensor output";
  if (expected.is_object() && expected.at("shape") != actual.at("shape"))
    return "shape " + actual.at("shape").dump() + " vs expected " + expected.at("shape").dump();
  const std::vector<json> a = values(actual), e = values(expected);
  if (a.size() != e.size()) return "length differs";
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (e[i].is_null() || a[i].is_null()) {
      if (e[i].is_null() != a[i].is_null())
        return "element " + std::to_string(i) + ": " + a[i].dump() + " vs expected " + e[i].dump();
      continue;
    }
    const double x = a[i].get<double>(), y = e[i].get<double>();
    if (!(std::abs(x - y) <= kAtol + kRtol * std::abs(y)))
      return "element " + std::to_string(i) + ": " + a[i].dump() + " vs expected " + e[i].dump();
  }
  return "";
}

}  // namespace

int check_loss_fixtures(const std::string& name) {
  int n = 0;
  for (const json& c : all_cases()) {
    if (c.at("loss") != name) continue;
    ++n;
    json request = {{"loss", c.at("loss")}, {"params", c.at("params")}, {"inputs", c.at("inputs")}};
    const std::string label =
        name + " " + c.at("params").dump() +
        (c.contains("note") ? " (" + c.at("note").get<std::string>() + ")" : "");
    json answer;
    try {
      answer = json::parse(tools::loss_eval(request.dump()));
    } catch (const std::exception& e) {
      FAIL_CHECK(label, ": ", e.what());
      continue;
    }
    const json& expected = c.at("expected");
    const std::string out = compare_values(answer.at("output"), expected.at("output"));
    CHECK_MESSAGE(out.empty(), label, " output: ", out);
    for (const auto& [input, grad] : expected.at("grads").items()) {
      if (!answer.at("grads").contains(input)) {
        FAIL_CHECK(label, ": no gradient for ", input);
        continue;
      }
      const std::string g = compare_values(answer.at("grads").at(input), grad);
      CHECK_MESSAGE(g.empty(), label, " d/d", input, ": ", g);
    }
  }
  return n;
}

std::set<std::string> loss_fixture_names() {
  std::set<std::string> names;
  for (const json& c : all_cases()) names.insert(c.at("loss").get<std::string>());
  return names;
}

std::vector<std::string> loss_fixture_inputs(const std::string& name) {
  std::vector<std::string> out;
  for (const json& c : all_cases())
    if (c.at("loss") == name)
      out.push_back(json{{"loss", name}, {"inputs", c.at("inputs")}}.dump());
  return out;
}

}  // namespace minidl::testing
