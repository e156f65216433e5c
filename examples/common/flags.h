// Command-line flags for the example programs, without CLI11 in every program.
//
// CLI11 is header-only (Debian's 2.1 has no compiled mode), and including it costs about 4 s of
// compile time per file: two thirds of an example program's build. So one file,
// examples/common/flags.cpp, includes it, and the programs see this small facade whose names
// follow CLI11's (add_option, add_flag, capture_default_str, count), so it reads the same:
//
//   examples::Flags app{"minidl example: ..."};
//   app.add_option("--noise", noise, "share of training labels flipped")->capture_default_str();
//   MINIDL_PARSE_FLAGS(app, argc, argv);   // --help or a bad flag: print and return from main
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace minidl::examples {

// One option of Flags; the pointer add_option returns stays valid as long as the Flags.
class FlagOption {
 public:
  // Show the variable's value at registration as the default in --help.
  FlagOption* capture_default_str();
  // Reject values outside [lo, hi] with a clear message.
  FlagOption* range(double lo, double hi);
  // Refuse a command line that gives both this option and `other` (CLI11's excludes), so a
  // combination the program would not honour is an error rather than silently ignored.
  FlagOption* excludes(FlagOption* other);
  // How many values the option takes (CLI11's expected): expected(0, 1) makes the value optional,
  // so `--profile` and `--profile run.json` both parse (count() tells whether it was given).
  FlagOption* expected(int min, int max);
  // How many times the option was given on the command line (after parsing).
  std::size_t count() const;

 private:
  friend class Flags;
  explicit FlagOption(void* option) : option_(option) {}
  void* option_;  // CLI::Option*, owned by the Flags' CLI::App
};

class Flags {
 public:
  explicit Flags(const std::string& description);
  ~Flags();
  Flags(const Flags&) = delete;
  Flags& operator=(const Flags&) = delete;

  FlagOption* add_flag(const std::string& name, bool& value, const std::string& help);
  FlagOption* add_option(const std::string& name, int& value, const std::string& help);
  FlagOption* add_option(const std::string& name, std::int64_t& value, const std::string& help);
  FlagOption* add_option(const std::string& name, std::uint64_t& value, const std::string& help);
  FlagOption* add_option(const std::string& name, double& value, const std::string& help);
  FlagOption* add_option(const std::string& name, std::string& value, const std::string& help);
  // Runs after a successful parse (e.g. to fill defaults that depend on other flags). Each
  // callback given runs, in the order given.
  void callback(std::function<void()> fn);

  // Parses the command line. Returns nothing when the program should go on; otherwise the exit
  // code main should return (0 after --help, non-zero after a bad flag, with the message printed).
  std::optional<int> parse(int argc, const char* const* argv);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace minidl::examples

// In main: parse, or print help / the error and return its exit code (CLI11_PARSE's behaviour).
#define MINIDL_PARSE_FLAGS(flags, argc, argv)                                                \
  do {                                                                                       \
    if (const auto minidl_flags_rc = (flags).parse((argc), (argv))) return *minidl_flags_rc; \
  } while (0)
