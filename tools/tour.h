// The tour (tools layer): runs the example program of every registered loss, and the studies,
// each in its own process, and gathers their results into one table. `minidl tour` and the
// README's main-job command (scripts/main) call it.
//
// Each example writes <out>/<name>/result.json through examples::report() (examples/common); the
// tour reads it. A program that is missing, exits non-zero, is killed by a signal, overruns its
// time limit or leaves no result counts as failed; the others still run, and run_tour() returns
// the number of failures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace minidl::tools {

struct TourOptions {
  bool quick = true;                // pass --quick to every example (CI, the default)
  std::vector<std::string> only{};  // run only these programs (empty: all)
  std::string family = "";  // run only this family's examples ("metric": the retrieval tour)
  std::string out_dir = "out/tour";  // per-example folders, logs, tour.json
  std::string bin_dir = "";          // where the example programs are ("" = beside this program)
  double timeout_seconds = 600;      // per example
  int jobs = 1;                      // examples run at once
  // Pass --profile to every example: its table goes to <out>/<name>/log.txt, its Chrome trace to
  // <out>/<name>/<name>.trace.json (autograd/profiler.h).
  bool profile = false;
};

struct TourEntry {
  std::string program, loss, family;  // loss is "" for a study
};

// Every loss in the registry (program = loss name), then the studies, in registry order.
std::vector<TourEntry> tour_entries();

// Runs the tour, prints the table as results come in, writes <out>/tour.json atomically.
// Returns the number of failed examples.
int run_tour(const TourOptions& options);

}  // namespace minidl::tools
