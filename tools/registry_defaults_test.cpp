// The registry's defaults against the options structs': a default lives in the options struct
// (losses/<family>.h), in the row's ParamSpec and in the docs. Every evaluator names the C++
// default of each parameter it reads (EvalArgs' getters with a cpp_default); this test runs every
// row on its fixture inputs with the registry's defaults under a DefaultsAudit and checks that
// each ParamSpec default is the C++ default and that no parameter goes unnamed.
#include <doctest/doctest.h>

#include <string>
#include <variant>

#include "losses/registry.h"
#include "tests/loss_fixtures.h"
#include "tools/loss_eval.h"

namespace minidl::tools {
namespace {

std::string show(const losses::ParamValue& v) {
  struct {
    std::string operator()(std::monostate) const { return "null"; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(double d) const { return std::to_string(d); }
    std::string operator()(const std::string& s) const { return "'" + s + "'"; }
    std::string operator()(const std::vector<double>& v) const {
      std::string out = "[";
      for (double d : v) out += (out.size() > 1 ? ", " : "") + std::to_string(d);
      return out + "]";
    }
  } visitor;
  return std::visit(visitor, v);
}

TEST_CASE("registry: every parameter's default is the options struct's default") {
  int rows = 0, params = 0;
  for (const losses::LossInfo& row : losses::registry()) {
    CAPTURE(row.name);
    // The audit of the first case that runs every getter (a case whose inputs are invalid under
    // the default parameters may throw before all of them ran; the next case is tried).
    std::map<std::string, losses::ParamValue> named;
    for (const std::string& request : testing::loss_fixture_inputs(row.name)) {
      losses::DefaultsAudit audit;
      try {
        loss_eval(request);
      } catch (const std::exception&) {
        // Only the recorded defaults matter here; the values are checked by the fixture tests.
      }
      named = audit.recorded();
      if (named.size() >= row.params.size()) break;
    }
    ++rows;
    for (const losses::ParamSpec& spec : row.params) {
      CAPTURE(spec.name);
      ++params;
      auto it = named.find(spec.name);
      if (it == named.end()) {
        FAIL_CHECK(row.name, ": the evaluator names no C++ default for '", spec.name, "'");
        continue;
      }
      CHECK_MESSAGE(it->second == spec.default_value, row.name, ": '", spec.name, "' defaults to ",
                    show(spec.default_value), " in the registry but to ", show(it->second),
                    " in C++");
    }
  }
  CHECK(rows == static_cast<int>(losses::registry().size()));
  CHECK(params > 100);
}

}  // namespace
}  // namespace minidl::tools
