// --profile for the examples: one process-wide Profiler, started after the flags are parsed and
// finished once (examples::run or std::atexit, whichever comes first).
#include "examples/common/profile.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

#include "autograd/profiler.h"
#include "tensor/file_util.h"

namespace minidl::examples {
namespace {

struct ProfileRun {
  std::string path;  // the value of --profile ("" until parsed: then the default)
  std::unique_ptr<Profiler> profiler;
  bool at_exit_registered = false;
};

ProfileRun& profile_run() {
  static auto* run = new ProfileRun();  // never freed: finish_profile may run at exit
  return *run;
}

}  // namespace

void add_profile_flag(Flags& app, const std::string& program) {
  ProfileRun& run = profile_run();
  FlagOption* opt = app.add_option("--profile", run.path,
                                   "record a profile: print the op and scope table at exit and "
                                   "write a Chrome trace (chrome://tracing, ui.perfetto.dev) to "
                                   "FILE (default <program>.trace.json)")
                        ->expected(0, 1);
  app.callback([opt, program] {
    ProfileRun& r = profile_run();
    if (opt->count() == 0 || r.profiler) return;
    if (r.path.empty()) r.path = program + ".trace.json";
    r.profiler = std::make_unique<Profiler>();
    if (!r.at_exit_registered) {
      std::atexit(finish_profile);
      r.at_exit_registered = true;
    }
  });
}

void finish_profile() {
  ProfileRun& run = profile_run();
  if (!run.profiler) return;
  std::unique_ptr<Profiler> prof = std::move(run.profiler);
  try {
    const ProfileReport rep = prof->report();
    std::printf("\n%s", format_profile(rep).c_str());
    const std::string trace = prof->trace_json();
    write_file_atomic(run.path, trace);
    std::printf(
        "wrote the trace %s (%lld events, %.1f MB): open it in chrome://tracing or "
        "https://ui.perfetto.dev\n",
        run.path.c_str(), static_cast<long long>(rep.trace_events),
        static_cast<double>(trace.size()) / 1048576.0);
    std::fflush(stdout);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "--profile: %s\n", e.what());
  }
}

}  // namespace minidl::examples
