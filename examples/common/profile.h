// --profile [FILE] for the example programs: the whole run under a minidl::Profiler
// (autograd/profiler.h), its table printed and its Chrome trace written when the program ends.
//
//   fashion_cnn --quick --profile              # table on stdout, trace in fashion_cnn.trace.json
//   mse_loss --profile out/mse.trace.json      # the trace where you say
//
// add_standard_flags (examples/common/example.h) offers it to every example built on it; a
// program with its own flags adds it with add_profile_flag. Recording starts once the flags are
// parsed. The table and the trace come from finish_profile(), which examples::run calls when the
// body returns and which also runs at exit (std::atexit), so a program that returns from main by
// any path still gets them.
#pragma once

#include <string>

#include "examples/common/flags.h"

namespace minidl::examples {

// Adds --profile [FILE] to `app`; `program` names the default trace file <program>.trace.json.
void add_profile_flag(Flags& app, const std::string& program);

// Stops the profiler started by --profile, prints its table to stdout and writes the trace.
// Does nothing without --profile, or when already done. Never throws (a trace it cannot write
// is reported on stderr).
void finish_profile();

}  // namespace minidl::examples
