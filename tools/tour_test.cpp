// The tour runs every program even when some fail, and says which failed and why.
#include "tools/tour.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "losses/registry.h"
#include "tensor/error.h"

namespace minidl::tools {
namespace {

namespace fs = std::filesystem;

void write_script(const fs::path& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  fs::permissions(path, fs::perms::owner_all);
}

TEST_CASE("tour: a failing example is reported, the others still run, the count is returned") {
  const fs::path dir = fs::temp_directory_path() / ("minidl_tour_test_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "bin");
  // Stand-ins for two example programs: one reports an improvement, one fails; the third
  // (label_noise) is missing.
  write_script(
      dir / "bin" / "mse_loss",
      "while [ $# -gt 0 ]; do [ \"$1\" = --out ] && out=$2; shift; done\n"
      "mkdir -p \"$out\"\n"
      "echo '{\"metric\": \"MAE\", \"before\": 2.0, \"after\": 0.5}' > \"$out/result.json\"\n");
  write_script(dir / "bin" / "multitask", "echo 'something broke' >&2\nexit 3\n");
  const int failed = run_tour({.only = {"mse_loss", "multitask", "label_noise"},
                               .out_dir = (dir / "out").string(),
                               .bin_dir = (dir / "bin").string(),
                               .jobs = 2});
  CHECK(failed == 2);
  std::ifstream in(dir / "out" / "tour.json");
  const nlohmann::json doc = nlohmann::json::parse(in);
  REQUIRE(doc["examples"].size() == 3);
  CHECK(doc["examples"][0]["program"] == "mse_loss");
  CHECK(doc["examples"][0]["ok"] == true);
  CHECK(doc["examples"][0]["after"] == 0.5);
  CHECK(doc["examples"][1]["program"] == "label_noise");
  CHECK(doc["examples"][1]["status"] == "FAILED (not built)");
  CHECK(doc["examples"][2]["program"] == "multitask");
  CHECK(doc["examples"][2]["status"] == "FAILED (exit 3)");
  std::ifstream log(dir / "out" / "multitask" / "log.txt");
  std::string line;
  std::getline(log, line);
  CHECK(line == "something broke");
  CHECK(doc["failed"] == 2);
  fs::remove_all(dir);
}

TEST_CASE(
    "tour: the entries are every registry row and the studies; a family filter narrows them") {
  const std::vector<TourEntry> entries = tour_entries();
  CHECK(entries.size() > losses::registry().size());
  CHECK(entries.front().program == losses::registry().front().name);
  CHECK_THROWS_WITH_AS(run_tour({.family = "no_such_family", .out_dir = "unused"}),
                       doctest::Contains("tour: no examples in family 'no_such_family'"), Error);
}

TEST_CASE("tour: an unknown example name is an error") {
  CHECK_THROWS_WITH_AS(run_tour({.only = {"no_such_example"}, .out_dir = "unused"}),
                       doctest::Contains("tour: unknown example 'no_such_example'"), Error);
}

}  // namespace
}  // namespace minidl::tools
