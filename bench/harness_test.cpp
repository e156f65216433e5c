// The harness's method without timing anything: contest() driven by synthetic units whose
// "seconds" are made up, so the statistics can be checked exactly (DESIGN.md: never timed tests).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "bench/harness.h"

#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

using namespace minidl::bench;

namespace {

// A machine with two-thread phases: every unit takes `phase_factor` times longer in a slow
// phase, and the phase flips every `period` rounds (a round is two units, so both units of a
// round share their phase, as they do on the VMs: docs/benchmarks.md, "Two-thread phases").
struct PhasedMachine {
  int units = 0;
  int period = 3;
  double phase_factor = 1.3;  // below the settings' 1.5x gap, so the choice stays right
  double factor() {
    const int round = units++ / 2;
    return (round / period) % 2 == 1 ? phase_factor : 1.0;
  }
};

}  // namespace

TEST_CASE("harness: paired ratios cancel a phase both sides share") {
  PhasedMachine machine;
  double setting_cost = 1.0;  // the reference's seconds at the applied setting, in a fast phase
  const std::vector<Setting> settings = {{"fast setting", [&] { setting_cost = 1.0; }},
                                         {"slow setting", [&] { setting_cost = 1.5; }}};
  const ContestOptions options{.trial_rounds = 3, .blocks = 5, .settle_s = 0, .warm_s = 0};
  const Outcome o = contest([&] { return 0.5 * machine.factor(); },
                            [&] { return setting_cost * machine.factor(); }, settings, options);
  CHECK(o.chosen == "fast setting");
  // The chosen setting's 3 trial rounds and the 5 final ones, each one (minidl, reference) pair.
  REQUIRE(o.pairs.size() == 8);
  for (const auto& [m, t] : o.pairs) CHECK(m / t == doctest::Approx(0.5));
  const Row r = make_row(
      "phased", "s", false, o, [](double s) { return s; }, "reference", Target{0.6, true, "test"});
  REQUIRE(r.ratio());
  CHECK(*r.ratio() == doctest::Approx(0.5));
  CHECK(r.paired.q1 == doctest::Approx(0.5));
  CHECK(r.paired.q3 == doctest::Approx(0.5));
  CHECK(r.verdict() == "met");
  // The medians' ratio is still printed beside it.
  REQUIRE(r.ratio_of_medians());
  CHECK(*r.ratio_of_medians() > 0);
}

TEST_CASE("harness: a rate's paired ratio is the ratio of the rates") {
  const ContestOptions options{.trial_rounds = 2, .blocks = 3, .settle_s = 0, .warm_s = 0};
  const std::vector<Setting> settings = {{"only", [] {}}};
  const Outcome o = contest([] { return 0.25; }, [] { return 1.0; }, settings, options);
  const Row r = make_row(
      "rate", "samples/s", true, o, [](double s) { return 1000.0 / s; }, "ref",
      Target{1.0, false, "test"});
  REQUIRE(r.ratio());
  CHECK(*r.ratio() == doctest::Approx(4.0));  // minidl does 4x the samples per second
  CHECK(*r.speedup() == doctest::Approx(4.0));
  CHECK(r.verdict() == "met");
}

TEST_CASE("harness: a failed reference unit makes no pair") {
  int calls = 0;
  const ContestOptions options{.trial_rounds = 2, .blocks = 4, .settle_s = 0, .warm_s = 0};
  const std::vector<Setting> settings = {{"only", [] {}}};
  // The warm-up is call 0; calls 2 and 5 fail (NaN), as a coprocess error would.
  const Outcome o = contest([] { return 1.0; },
                            [&] {
                              const int c = calls++;
                              return c == 2 || c == 5 ? NAN : 2.0;
                            },
                            settings, options);
  CHECK(o.pairs.size() == 4);  // 6 rounds, 2 without a reference unit
  CHECK(o.theirs.n == 4);
  CHECK(o.mine.n == 6);
}

TEST_CASE("harness: the verdict reads the paired quartile on the unfavourable side") {
  Row r;
  r.bench = "x";
  r.minidl = Stats::of({1.0, 1.0, 1.0});
  r.reference = Stats::of({2.0, 2.0, 2.0});
  r.target = Target{0.6, true, "test"};
  r.paired = Stats::of({0.4, 0.5, 0.55, 0.58, 0.7});  // median 0.55 meets 0.6, q3 0.58 too
  CHECK(r.verdict() == "met");
  r.paired = Stats::of({0.4, 0.5, 0.55, 0.65, 0.7});  // q3 0.65: a second run may miss
  CHECK(r.verdict() == "met, unsure");
  r.paired = Stats::of({0.5, 0.62, 0.65, 0.7, 0.8});  // median misses, q1 0.62 too
  CHECK(r.verdict() == "missed");
  r.paired = Stats{};  // no pairs: the medians' ratio, 0.5
  CHECK(*r.ratio() == doctest::Approx(0.5));
  CHECK(r.verdict() == "met");
}
