// The one example file that includes CLI11 (examples/common/flags.h says why).
#include "examples/common/flags.h"

#include <CLI/CLI.hpp>
#include <list>
#include <vector>

namespace minidl::examples {

struct Flags::Impl {
  CLI::App app;
  std::list<FlagOption> options;  // stable addresses for the pointers handed out
  std::vector<std::function<void()>> callbacks;
  explicit Impl(const std::string& description) : app(description) {
    app.callback([this] {
      for (const auto& fn : callbacks) fn();
    });
  }
  FlagOption* keep(CLI::Option* o) {
    options.push_back(FlagOption(o));
    return &options.back();
  }
};

namespace {
CLI::Option* as_option(void* p) { return static_cast<CLI::Option*>(p); }
}  // namespace

FlagOption* FlagOption::capture_default_str() {
  as_option(option_)->capture_default_str();
  return this;
}

FlagOption* FlagOption::range(double lo, double hi) {
  as_option(option_)->check(CLI::Range(lo, hi));
  return this;
}

FlagOption* FlagOption::excludes(FlagOption* other) {
  as_option(option_)->excludes(as_option(other->option_));
  return this;
}

FlagOption* FlagOption::expected(int min, int max) {
  as_option(option_)->expected(min, max);
  return this;
}

std::size_t FlagOption::count() const { return as_option(option_)->count(); }

Flags::Flags(const std::string& description) : impl_(std::make_unique<Impl>(description)) {}
Flags::~Flags() = default;

FlagOption* Flags::add_flag(const std::string& name, bool& value, const std::string& help) {
  return impl_->keep(impl_->app.add_flag(name, value, help));
}
FlagOption* Flags::add_option(const std::string& name, int& value, const std::string& help) {
  return impl_->keep(impl_->app.add_option(name, value, help));
}
FlagOption* Flags::add_option(const std::string& name, std::int64_t& value,
                              const std::string& help) {
  return impl_->keep(impl_->app.add_option(name, value, help));
}
FlagOption* Flags::add_option(const std::string& name, std::uint64_t& value,
                              const std::string& help) {
  return impl_->keep(impl_->app.add_option(name, value, help));
}
FlagOption* Flags::add_option(const std::string& name, double& value, const std::string& help) {
  return impl_->keep(impl_->app.add_option(name, value, help));
}
FlagOption* Flags::add_option(const std::string& name, std::string& value,
                              const std::string& help) {
  return impl_->keep(impl_->app.add_option(name, value, help));
}

void Flags::callback(std::function<void()> fn) { impl_->callbacks.push_back(std::move(fn)); }

std::optional<int> Flags::parse(int argc, const char* const* argv) {
  try {
    impl_->app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return impl_->app.exit(e);
  }
  return std::nullopt;
}

}  // namespace minidl::examples
