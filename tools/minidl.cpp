// minidl: the command-line tool.
//
//   minidl losses [--json]
//       The loss registry: name, family, formula, reference (--json: inputs and parameters too).
//   minidl loss eval [FILE|-]
//       Evaluates one loss case given as JSON (tools/loss_eval.h) in float64 and prints the output
//       and the gradient of every floating-point input as JSON. Any problem with the case prints
//       one line on stderr and exits 2 with nothing on stdout.
//   minidl tour [--full] [--only NAME ...] [--family F] [--out DIR] [--jobs J] [--timeout S]
//               [--profile]
//       Runs the example of every loss and the studies (quick mode unless --full), prints a
//       table (loss, family, metric before -> after, seconds, status), writes DIR/tour.json and
//       exits 1 if any example failed (tools/tour.h).
//   minidl knn BASE [--queries Q] [--index KIND] [--metric M] [-k K] [options]
//       Builds a nearest-neighbour index (exact, kdtree, ivf, lsh, hnsw) from a .npy or IDX file,
//       queries it, and reports build and search time, memory and recall against exact search
//       (tools/knn.h).
//   minidl plot <log.jsonl> [-o out.png] [--title T] [--width W] [--height H]
//       Renders a metric log (JSON Lines, as fit() writes it) to a PNG: loss and accuracy per
//       epoch, training vs validation (train/plot.h). The default output is the log's path with
//       the extension .png; the output's folder is created when missing.
//
// Subcommands live in one table (kCommands): each adds its options to its own CLI::App and
// returns the function that runs it, so a new one (`minidl losses`, `minidl loss eval`) is one
// function and one row. Errors print one line on stderr ("minidl plot: <problem>") and exit 1;
// command-line mistakes exit 2.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "tensor/blas.h"
#include "tensor/file_util.h"
#include "tensor/parallel.h"
#include "tools/knn.h"
#include "tools/loss_eval.h"
#include "tools/tour.h"
#include "train/plot.h"

// Set by tools/CMakeLists.txt: the build type and the flags that change the generated code.
#ifndef MINIDL_BUILD_FLAGS
#define MINIDL_BUILD_FLAGS "flags unknown"
#endif

namespace {

using Runner = std::function<int()>;  // returns the exit code

// Messages may hold several lines (a load report); the tool prints one.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

// ---------------------------------------------------------------- minidl plot
Runner add_plot(CLI::App& cmd) {
  struct Args {
    std::string log, out, title;
    int width = 1200, height = 480;
  };
  auto args = std::make_shared<Args>();
  cmd.add_option("log", args->log, "metric log, JSON Lines (one object per epoch)")->required();
  cmd.add_option("-o,--out", args->out, "output PNG (default: the log path with .png)");
  cmd.add_option("--title", args->title, "title above the panels");
  cmd.add_option("--width", args->width, "image width in pixels")->capture_default_str();
  cmd.add_option("--height", args->height, "image height in pixels")->capture_default_str();
  return [args] {
    std::string out = args->out;
    if (out.empty()) out = std::filesystem::path(args->log).replace_extension(".png").string();
    const std::filesystem::path dir = std::filesystem::path(out).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir);
    minidl::train::plot_metric_log(
        args->log, out, {.width = args->width, .height = args->height, .title = args->title});
    std::printf("wrote %s\n", out.c_str());
    return 0;
  };
}

// ---------------------------------------------------------------- minidl losses
Runner add_losses(CLI::App& cmd) {
  auto as_json = std::make_shared<bool>(false);
  cmd.add_flag("--json", *as_json, "the whole table as JSON, with inputs and parameters");
  return [as_json] {
    if (*as_json)
      std::printf("%s\n", minidl::tools::losses_table_json().c_str());
    else
      std::printf("%s", minidl::tools::losses_table_text().c_str());
    return 0;
  };
}

// ---------------------------------------------------------------- minidl loss eval
Runner add_loss(CLI::App& cmd) {
  cmd.require_subcommand(1);
  CLI::App* eval = cmd.add_subcommand("eval", "evaluate one loss case given as JSON");
  auto file = std::make_shared<std::string>("-");
  eval->add_option("file", *file, "the case as JSON; - reads standard input")
      ->capture_default_str();
  return [file] {
    try {
      std::string text;
      if (*file == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        text = ss.str();
      } else {
        text = minidl::read_file(*file);
      }
      const std::string answer = minidl::tools::loss_eval(text);
      std::printf("%s\n", answer.c_str());
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minidl loss eval: %s\n", one_line(e.what()).c_str());
      return 2;
    }
  };
}

// ---------------------------------------------------------------- minidl tour
Runner add_tour(CLI::App& cmd) {
  auto opt = std::make_shared<minidl::tools::TourOptions>();
  auto full = std::make_shared<bool>(false);
  cmd.add_flag("--full", *full, "run every example in full mode (default: quick mode)");
  cmd.add_option("--only", opt->only, "run only these examples (program names)");
  cmd.add_option("--family", opt->family,
                 "run only one family's examples (--family metric: the retrieval tour)");
  cmd.add_option("--out", opt->out_dir, "output folder")->capture_default_str();
  cmd.add_option("--bin", opt->bin_dir, "folder of the example programs (default: beside minidl)");
  cmd.add_option("--jobs", opt->jobs, "examples run at once")->capture_default_str();
  cmd.add_option("--timeout", opt->timeout_seconds, "seconds allowed per example")
      ->capture_default_str();
  cmd.add_flag("--profile", opt->profile,
               "profile every example: table in <out>/<name>/log.txt, Chrome trace beside it");
  return [opt, full] {
    opt->quick = !*full;
    return minidl::tools::run_tour(*opt) == 0 ? 0 : 1;
  };
}

// ---------------------------------------------------------------- minidl knn
Runner add_knn(CLI::App& cmd) {
  auto o = std::make_shared<minidl::tools::KnnOptions>();
  auto metric = std::make_shared<std::string>("l2");
  auto threads = std::make_shared<int>(0);
  auto no_exact = std::make_shared<bool>(false);
  auto& h = o->spec.hnsw;
  auto& v = o->spec.ivf;
  auto& l = o->spec.lsh;
  cmd.add_option("base", o->base, "vectors to index: .npy or IDX file")->required();
  cmd.add_option("--queries", o->queries, "query vectors (default: the first 1000 base rows)");
  cmd.add_option("--index", o->spec.kind, "exact, kdtree, ivf, lsh or hnsw")->capture_default_str();
  cmd.add_option("--metric", *metric, "l2, sqeuclidean, cosine or ip")->capture_default_str();
  cmd.add_option("-k", o->k, "neighbours per query")->capture_default_str();
  cmd.add_option("--M", h.M, "hnsw: links per node")->capture_default_str();
  cmd.add_option("--ef-construction", h.ef_construction, "hnsw: build beam")->capture_default_str();
  cmd.add_option("--ef", h.ef, "hnsw: search beam")->capture_default_str();
  cmd.add_option("--nlist", v.nlist, "ivf: cells")->capture_default_str();
  cmd.add_option("--nprobe", v.nprobe, "ivf: cells probed")->capture_default_str();
  cmd.add_option("--tables", l.tables, "lsh: hash tables")->capture_default_str();
  cmd.add_option("--bits", l.bits, "lsh: hashes per table")->capture_default_str();
  cmd.add_option("--probes", l.probes, "lsh: extra buckets per table")->capture_default_str();
  cmd.add_option("--width", l.bucket_width, "lsh: p-stable bucket width (0: from the data)");
  cmd.add_option("--seed", h.seed, "seed of hnsw levels, ivf k-means and lsh projections");
  cmd.add_option("--save", o->save, "write the built index to this file");
  cmd.add_option("--load", o->load, "load the index from this file instead of building it");
  cmd.add_option("--out", o->out, "write the result ids [Q, k] as .npy");
  cmd.add_flag("--no-exact", *no_exact, "skip the exact search (and the recall)");
  cmd.add_option("--threads", *threads, "threads (default: all cores)");
  return [o, metric, threads, no_exact] {
    o->spec.metric = minidl::index::metric_from_name(*metric);
    o->spec.ivf.seed = o->spec.lsh.seed = o->spec.hnsw.seed;
    o->exact = !*no_exact;
    if (*threads > 0) minidl::set_num_threads(*threads);
    minidl::tools::run_knn(*o, std::cout);
    return 0;
  };
}

// ---------------------------------------------------------------- minidl info
// What a bug report or a benchmark needs to know about this build and machine.
// --suggest-coretype prints only the OPENBLAS_CORETYPE worth setting ("" when OpenBLAS's own choice
// stands, tensor/blas.h), for scripts/blas-env.
Runner add_info(CLI::App& cmd) {
  auto suggest = std::make_shared<bool>(false);
  cmd.add_flag("--suggest-coretype", *suggest,
               "print only the OPENBLAS_CORETYPE to set when OpenBLAS does not know this CPU "
               "(empty otherwise)");
  return [suggest] {
    if (*suggest) {
      std::printf("%s\n", minidl::blas::suggested_coretype().c_str());
      return 0;
    }
    std::printf("minidl: C++ %ld, %s\n", static_cast<long>(__cplusplus), MINIDL_BUILD_FLAGS);
    std::printf("BLAS: %s\n", minidl::blas::backend().c_str());
    const char* core = std::getenv("OPENBLAS_CORETYPE");
    std::printf("OPENBLAS_CORETYPE: %s\n", core ? core : "(unset: OpenBLAS detects the CPU)");
    const std::string advice = minidl::blas::kernel_advice();
    if (!advice.empty()) std::printf("BLAS advice: %s\n", advice.c_str());
    std::printf("float32 GEMM: %s\n", minidl::blas::gemm_kernels().c_str());
    std::printf("threads: %d\n", minidl::get_num_threads());
    return 0;
  };
}

struct Command {
  const char* name;
  const char* help;
  Runner (*add)(CLI::App& cmd);
};

const Command kCommands[] = {
    {"losses", "list the loss registry (name, family, formula, reference)", add_losses},
    {"loss", "loss tools: `minidl loss eval [FILE|-]` evaluates a loss case given as JSON",
     add_loss},
    {"tour", "run every loss example and study, and print the table of results", add_tour},
    {"knn", "build a nearest-neighbour index from a file, query it, report recall", add_knn},
    {"plot", "render a metric log (JSON Lines) to a PNG of the training curves", add_plot},
    {"info", "print the build flags, the BLAS kernel in use and the thread count", add_info},
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"minidl: tools for the minidl deep-learning framework"};
  app.require_subcommand(1);
  std::vector<std::pair<CLI::App*, Runner>> commands;
  for (const Command& c : kCommands) {
    CLI::App* sub = app.add_subcommand(c.name, c.help);
    commands.emplace_back(sub, c.add(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "minidl: %s (see minidl --help)\n", one_line(e.what()).c_str());
    return 2;
  }
  for (auto& [sub, run] : commands) {
    if (!sub->parsed()) continue;
    try {
      return run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minidl %s: %s\n", sub->get_name().c_str(), one_line(e.what()).c_str());
      return 1;
    }
  }
  return 2;  // unreachable: require_subcommand(1)
}
