// The registry as a whole and `minidl loss eval`'s contract (tools/loss_eval.h): every row is
// complete, every loss PyTorch has is proven against PyTorch fixtures, every loss has its example,
// and every bad case is a one-line minidl::Error.
#include "tools/loss_eval.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "losses/registry.h"
#include "tensor/error.h"
#include "tests/loss_fixtures.h"
#include "tools/tour.h"

namespace minidl::tools {
namespace {

using nlohmann::json;

const std::filesystem::path kRoot = std::filesystem::path(MINIDL_FIXTURE_DIR) / ".." / "..";

TEST_CASE("registry: every row is complete and names are unique") {
  std::set<std::string> names;
  for (const losses::LossInfo& row : losses::registry()) {
    CAPTURE(row.name);
    CHECK(names.insert(row.name).second);
    CHECK(!row.family.empty());
    CHECK(!row.formula.empty());
    CHECK(!row.reference.empty());
    CHECK(!row.inputs.empty());
    CHECK(static_cast<bool>(row.evaluate));
    CHECK(losses::find_loss(row.name) == &row);
  }
  CHECK(losses::find_loss("no_such_loss") == nullptr);
}

TEST_CASE("registry: every loss PyTorch has matches PyTorch fixtures through loss eval") {
  for (const losses::LossInfo& row : losses::registry()) {
    CAPTURE(row.name);
    const int cases = testing::check_loss_fixtures(row.name);
    if (row.torch_has_it) CHECK(cases > 0);
  }
  // And no fixture names a loss the registry lacks.
  for (const std::string& name : testing::loss_fixture_names()) {
    CAPTURE(name);
    CHECK(losses::find_loss(name) != nullptr);
  }
}

TEST_CASE("registry: every loss has its file, test and example, and is in the tour") {
  std::set<std::string> toured;
  for (const TourEntry& e : tour_entries()) toured.insert(e.program);
  for (const losses::LossInfo& row : losses::registry()) {
    CAPTURE(row.name);
    const std::string stem = row.family + "/" + row.name;
    const bool in_family_folder = std::filesystem::exists(kRoot / "losses" / (stem + ".cpp"));
    // A few rows share one family folder under another name (the margin losses live in
    // losses/classification/); search all family folders.
    bool found = in_family_folder, has_test = false, has_example = false;
    for (const auto& dir : std::filesystem::directory_iterator(kRoot / "losses")) {
      if (!dir.is_directory()) continue;
      found = found || std::filesystem::exists(dir.path() / (row.name + ".cpp"));
      has_test = has_test || std::filesystem::exists(dir.path() / (row.name + "_test.cpp"));
      has_example =
          has_example ||
          std::filesystem::exists(kRoot / "examples" / dir.path().filename() / (row.name + ".cpp"));
    }
    CHECK(found);
    CHECK(has_test);
    CHECK(has_example);
    CHECK(toured.count(row.name) == 1);
  }
}

json eval(const json& request) { return json::parse(loss_eval(request.dump())); }

json tensor(std::vector<double> data, std::vector<std::int64_t> shape,
            const char* dtype = "float64") {
  return {{"shape", shape}, {"dtype", dtype}, {"data", data}};
}

TEST_CASE("loss eval: output and gradients of a case, reduction none gives a tensor") {
  const json inputs = {{"input", tensor({1, 2}, {2})}, {"target", tensor({0.5, 4}, {2})}};
  json out = eval({{"loss", "mse_loss"}, {"inputs", inputs}});
  CHECK(out["output"].get<double>() == doctest::Approx(2.125));
  CHECK(out["grads"]["input"]["data"] == json({0.5, -2.0}));
  CHECK(out["grads"]["target"]["data"] == json({-0.5, 2.0}));
  out = eval({{"loss", "mse_loss"}, {"params", {{"reduction", "none"}}}, {"inputs", inputs}});
  CHECK(out["output"]["shape"] == json({2}));
  CHECK(out["output"]["data"] == json({0.25, 4.0}));
  CHECK(out["grads"]["input"]["data"] == json({1.0, -4.0}));
}

TEST_CASE("loss eval: every bad case is a one-line error naming the problem") {
  const json good = {{"input", tensor({1, 2}, {2})}, {"target", tensor({0.5, 4}, {2})}};
  auto fails_with = [](const std::string& text, const std::string& part) {
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(loss_eval(text), doctest::Contains(part.c_str()), Error);
  };
  fails_with("{\"loss\": ", "bad JSON");
  fails_with("[1, 2]", "must be a JSON object");
  fails_with(json({{"inputs", good}}).dump(), "\"loss\" must name a loss");
  fails_with(json({{"loss", "nope"}, {"inputs", good}}).dump(), "unknown loss 'nope'");
  fails_with(json({{"loss", "mse_loss"}, {"inputs", good}, {"extra", 1}}).dump(),
             "unknown key 'extra'");
  fails_with(json({{"loss", "mse_loss"}, {"inputs", good}, {"params", {{"margin", 1}}}}).dump(),
             "mse_loss: unknown parameter 'margin' (known: reduction)");
  fails_with(json({{"loss", "mse_loss"}, {"inputs", good}, {"params", {{"reduction", 1}}}}).dump(),
             "parameter 'reduction' must be a string");
  fails_with(
      json({{"loss", "mse_loss"}, {"inputs", good}, {"params", {{"reduction", "avg"}}}}).dump(),
      "reduction must be 'none', 'mean', 'sum' or 'batchmean'");
  fails_with(json({{"loss", "mse_loss"}, {"inputs", {{"input", tensor({1}, {1})}}}}).dump(),
             "mse_loss: missing input 'target'");
  json extra = good;
  extra["weight"] = tensor({1}, {1});
  fails_with(json({{"loss", "mse_loss"}, {"inputs", extra}}).dump(), "unknown input 'weight'");
  json bad_dtype = good;
  bad_dtype["target"] = tensor({1, 2}, {2}, "int64");
  fails_with(json({{"loss", "mse_loss"}, {"inputs", bad_dtype}}).dump(),
             "input 'target' must be float64, got int64");
  json bad_len = good;
  bad_len["target"] = tensor({1, 2, 3}, {2});
  fails_with(json({{"loss", "mse_loss"}, {"inputs", bad_len}}).dump(),
             "shape [2] needs 2 values, data has 3");
  json bad_shape = good;
  bad_shape["target"] = tensor({1, 2, 3}, {3});
  fails_with(json({{"loss", "mse_loss"}, {"inputs", bad_shape}}).dump(),
             "mse_loss: input [2] and target [3] must have the same shape");
  json bad_type = good;
  bad_type["target"] = tensor({1, 2}, {2}, "float16");
  fails_with(json({{"loss", "mse_loss"}, {"inputs", bad_type}}).dump(),
             "dtype must be \"float64\" or \"int64\"");
}

TEST_CASE("loss eval: a shape whose element count overflows is an error naming it") {
  // 2^32 * 2^32 used to wrap around to 0 and pass as an empty tensor with data [].
  const json good = {{"input", tensor({1, 2}, {2})}, {"target", tensor({0.5, 4}, {2})}};
  json huge = good;
  huge["input"] = tensor({}, {4294967296, 4294967296});
  CHECK_THROWS_WITH_AS(loss_eval(json({{"loss", "mse_loss"}, {"inputs", huge}}).dump()),
                       "mse_loss: input 'input': shape [4294967296,4294967296] has more than "
                       "2^63-1 elements",
                       Error);
  // A 0 dim makes the shape empty whatever the others are: it parses, and the loss objects.
  huge["input"] = tensor({}, {0, 4294967296, 4294967296});
  huge["target"] = tensor({}, {0, 4294967296, 4294967296});
  CHECK_THROWS_WITH_AS(loss_eval(json({{"loss", "mse_loss"}, {"inputs", huge}}).dump()),
                       "mse_loss: input is empty, shape [0,4294967296,4294967296]", Error);
}

TEST_CASE("losses table: text and JSON list every row") {
  const json table = json::parse(losses_table_json());
  CHECK(table.size() == losses::registry().size());
  CHECK(table[0].contains("params"));
  CHECK(losses_table_text().find("mse_loss") != std::string::npos);
}

}  // namespace
}  // namespace minidl::tools
