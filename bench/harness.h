// The benchmark harness: how every bench program that compares minidl with PyTorch measures,
// chooses PyTorch's thread setting, and prints and saves its rows (issue 16, "benchmarks that
// hold still").
//
// The method (contest()), for one bench row:
//   1. Warm-up: one unit of each side (a unit is an epoch, a block of steps, a block of calls).
//   2. Trial rounds: `trial_rounds` times, for each reference setting S (PyTorch's torch threads x
//      OpenBLAS threads), in a rotated order: apply S, then one minidl unit and one reference unit,
//      alternating which goes first. Every setting so gets several blocks spread over the whole
//      trial phase, interleaved with the others, so a minute of slow mode hits all settings.
//      From the second round on, a setting whose fastest block took more than kDropFactor times
//      the best setting's median is dropped from the trials: it cannot win, and on a busy machine
//      PyTorch's two-thread blocks can take 20 times longer (one block is never enough to drop
//      it: those modes swing 3-5x from minute to minute).
//   3. The reference's setting is the one with the lowest median over its trial blocks (not the
//      fastest single block).
//   4. `blocks` more rounds at the chosen setting, minidl and the reference alternating.
//   minidl's figure is the median over all its units (trial and final: its setting never
//   changes); the reference's over the chosen setting's trial and final units. Both sides also
//   report their spread: quartiles and min-max (Stats). Before every unit both sides idle
//   kSettle seconds, so neither pays for the other's spinning thread pool (OpenBLAS workers spin
//   ~0.1 s after a call), and then every core spins kWarm seconds (warm_cores()): after 0.2 s
//   idle the cores of these VMs run slow for tens of milliseconds (conv_fwd's 10-call unit took
//   3.4 ms per call after the idle and 2.05 ms after 50 ms of spinning on both cores, measured
//   2026-12-06), and a training loop never idles, so both sides are timed on warm cores.
//   5. The ratio and the verdict come from the rounds at the chosen setting taken as pairs: each
//      round's minidl unit over the reference unit run next to it, and the median (and
//      quartiles) of those paired ratios. These VMs run two threads in phases of seconds, some at
//      near one-thread speed (docs/benchmarks.md, "Two-thread phases"), and both units of a
//      round (under a second apart) fall in the same phase almost always: a slow phase slows both
//      sides of a pair and the pair's ratio moves far less than either side's time. The ratio of
//      the two medians, which compares a minidl median drawn from one mix of phases with a
//      reference median drawn from another, is printed beside it.
// Choosing the reference's setting by its own blocks favours the reference slightly (the chosen
// median is the lowest of several): the comparison errs on PyTorch's side.
//
// A Row carries the figures, their spreads and an optional target; print_json() writes one JSON
// object per line in the schema docs/benchmarks.md documents (bench/run collects the lines into
// one file and bench_report compares two such files).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace minidl::bench {

using Clock = std::chrono::steady_clock;
constexpr double kSettle = 0.2;    // idle seconds before every timed unit
constexpr double kWarm = 0.05;     // then seconds of busy work on every core (see contest())
constexpr double kDropFactor = 3;  // see contest(): trial settings this much slower are dropped

double seconds_since(Clock::time_point t0);
void settle(double seconds = kSettle);
// Keeps every core busy for `seconds` (one spinning thread per hardware thread, this one
// included): after an idle stretch these VMs' cores need tens of milliseconds of work to come
// back to full speed, and a unit shorter than that would be timed on cold cores.
void warm_cores(double seconds = kWarm);
// Seconds one call of fn takes (wall time).
double timed(const std::function<void()>& fn);

// ---------------------------------------------------------------- statistics
// Median, quartiles (linear interpolation between order statistics, as numpy's default) and
// extremes of a sample; n = 0 and NaNs when empty.
struct Stats {
  double median = 0, q1 = 0, q3 = 0, min = 0, max = 0;
  int n = 0;
  static Stats of(std::vector<double> v);
  // The same sample through a monotone map (seconds per unit -> ms per step, or -> samples/s: a
  // decreasing map swaps the quartiles and the extremes).
  Stats map(const std::function<double(double)>& f) const;
  bool empty() const { return n == 0; }
};

// ---------------------------------------------------------------- child processes
// The number after "key": in a one-line JSON object (NaN when absent), and a string field.
double json_field(const std::string& line, const std::string& key);
std::string json_string_field(const std::string& line, const std::string& key);

// Runs args to completion; returns its stdout's last non-empty line ("" on failure).
std::string run_capture(const std::vector<std::string>& args);

// A coprocess speaking one command per line on stdin, one JSON reply per line on stdout
// (bench/torch_serve.py's protocol). Its first line must contain "ready".
class Coprocess {
 public:
  Coprocess() = default;
  Coprocess(const Coprocess&) = delete;
  Coprocess& operator=(const Coprocess&) = delete;
  ~Coprocess() { stop(); }
  // `tag` prefixes the error notes on stderr (the calling program's name).
  bool start(const std::vector<std::string>& args, const std::string& tag);
  bool running() const { return pid_ > 0; }
  const std::string& version() const { return version_; }  // the hello's "torch" field
  const std::string& last_reply() const { return last_; }
  // Sends cmd and returns the reply's numeric field `key` (NaN on any error, noted on stderr).
  double call(const std::string& cmd, const std::string& key = "s");
  void stop();

 private:
  pid_t pid_ = -1;
  std::FILE* out_ = nullptr;
  std::FILE* in_ = nullptr;
  std::string version_, last_, tag_;
};

// ---------------------------------------------------------------- the method
// One setting of the reference side: its name in the table and how to switch to it.
struct Setting {
  std::string name;
  std::function<void()> apply;
};

// PyTorch's settings on this machine kind: (torch threads, OpenBLAS threads; 0 = OpenBLAS's
// default), applied through the coprocess's "config T B" command. torch.set_num_threads does
// not govern OpenBLAS (reference/performance.md), so both are set.
std::vector<Setting> torch_settings(Coprocess& torch);

struct ContestOptions {
  int trial_rounds = 3;       // trial blocks per reference setting
  int blocks = 5;             // blocks at the chosen setting
  double settle_s = kSettle;  // idle seconds before every timed unit (0 in harness_test)
  double warm_s = kWarm;      // then busy seconds on every core (0 in harness_test)
};

struct SettingResult {
  std::string name;
  Stats seconds;  // its trial blocks
};

struct Outcome {
  Stats mine, theirs;  // seconds per unit; theirs is empty without a reference
  // (minidl, reference) seconds of each round at the chosen setting, in run order (step 5).
  std::vector<std::pair<double, double>> pairs;
  std::string chosen;  // the chosen setting's name
  std::vector<SettingResult> settings;
  bool has_reference() const { return !theirs.empty(); }
  // "name median [q1, q3]" for every setting tried, one string (the table's note).
  std::string settings_note(const char* unit = "s") const;
};

// `mine` and `theirs` each run one unit and return its seconds (so a unit may time only its part,
// e.g. a backward pass); `theirs` returns NaN on failure (that block is dropped). With no
// settings or no `theirs`, only minidl is measured (trial_rounds + blocks units).
Outcome contest(const std::function<double()>& mine, const std::function<double()>& theirs,
                const std::vector<Setting>& settings, const ContestOptions& options);

// ---------------------------------------------------------------- rows and output
// A target on the ratio minidl / reference (of times for lower-is-better units, of rates
// otherwise): "<= 0.6x" (at_most) or ">= 1.0x".
struct Target {
  double ratio = 1;
  bool at_most = true;
  std::string issue;  // e.g. "issue 16"
  std::string text() const;
};

struct Row {
  std::string bench, unit;
  bool higher_is_better = false;
  Stats minidl;
  std::optional<Stats> reference;
  // minidl / reference of each round's pair, in the row's unit (a rate's ratio is a rate's);
  // empty when the row has no pairs (no reference, or a row not measured by contest()).
  Stats paired;
  std::string reference_name;
  std::optional<Target> target;
  std::string note;  // table mode only
  // minidl / reference: the median of the paired ratios when there are pairs, else of the
  // medians; and speedup(), > 1 meaning minidl is faster.
  std::optional<double> ratio() const;
  std::optional<double> ratio_of_medians() const;
  std::optional<double> speedup() const;
  // "met" or "missed" by ratio(), "n/a" without a reference or target; "unsure" is appended
  // ("met, unsure") when the quartile on the unfavourable side falls on the other side of the
  // target (the paired ratios' quartile; without pairs, the ratio of the two sides' quartiles
  // on their unfavourable sides): a second run may disagree.
  std::string verdict() const;
};

// The row from an Outcome, its seconds per unit mapped into the row's unit by `per_unit`.
Row make_row(const std::string& bench, const std::string& unit, bool higher_is_better,
             const Outcome& o, const std::function<double(double)>& per_unit,
             const std::string& reference_name, std::optional<Target> target = std::nullopt);

void print_json(const Row& r);
// {"median": .., "q1": .., "q3": .., "min": .., "max": .., "n": ..}
std::string json_stats(const Stats& s);
void print_table_header();
void print_table_row(const Row& r);
// Every row with a target: its ratio, the target and the verdict.
void print_targets(const std::vector<Row>& rows);
std::string fmt(double v, int digits = 4);

}  // namespace minidl::bench
