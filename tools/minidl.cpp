// minidl: the command-line tool.
//
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
#include <exception>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "train/plot.h"

namespace {

using Runner = std::function<void()>;

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
  };
}

struct Command {
  const char* name;
  const char* help;
  Runner (*add)(CLI::App& cmd);
};

const Command kCommands[] = {
    {"plot", "render a metric log (JSON Lines) to a PNG of the training curves", add_plot},
};

// Messages may hold several lines (a load report); the tool prints one.
std::string one_line(std::string s) {
  for (char& c : s)
    if (c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

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
      run();
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "minidl %s: %s\n", sub->get_name().c_str(), one_line(e.what()).c_str());
      return 1;
    }
  }
  return 2;  // unreachable: require_subcommand(1)
}
