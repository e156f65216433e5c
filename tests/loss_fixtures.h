// The loss fixtures (tests/fixtures/losses_<family>.json, written by the scripts beside them with
// PyTorch in float64) run through the registry exactly as `minidl loss eval` runs a case.
#pragma once

#include <set>
#include <string>
#include <vector>

namespace minidl::testing {

// Runs every fixture case of loss `name` through tools::loss_eval and checks the output and each
// expected gradient at rtol 1e-10 (atol 1e-12) with doctest CHECKs, one message per mismatch.
// Returns the number of cases run, so a test can CHECK that there were some.
int check_loss_fixtures(const std::string& name);

// The names of all losses that have fixture cases.
std::set<std::string> loss_fixture_names();

// Each fixture case of loss `name` as a `loss eval` request without its params (so every
// parameter takes the registry's default): {"loss": name, "inputs": {...}}.
std::vector<std::string> loss_fixture_inputs(const std::string& name);

}  // namespace minidl::testing
