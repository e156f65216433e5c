// The benchmark harness (bench/harness.h): statistics, coprocesses, the interleaved method that
// chooses PyTorch's thread setting by the median over several blocks, and the rows' output.
#include "bench/harness.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace minidl::bench {

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

void settle(double seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void warm_cores(double seconds) {
  if (!(seconds > 0)) return;
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(seconds));
  auto spin = [until] {
    volatile std::uint64_t x = 0;
    while (Clock::now() < until)
      for (int i = 0; i < 1000; ++i) x = x + 1;
  };
  const unsigned n = std::max(1u, std::thread::hardware_concurrency());
  std::vector<std::thread> others;
  for (unsigned i = 1; i < n; ++i) others.emplace_back(spin);
  spin();
  for (std::thread& t : others) t.join();
}

double timed(const std::function<void()>& fn) {
  const auto t0 = Clock::now();
  fn();
  return seconds_since(t0);
}

// ---------------------------------------------------------------- statistics
namespace {
// The q-quantile of a sorted sample, interpolating linearly between order statistics.
double quantile(const std::vector<double>& s, double q) {
  const double at = q * static_cast<double>(s.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, s.size() - 1);
  return s[lo] + (at - static_cast<double>(lo)) * (s[hi] - s[lo]);
}
}  // namespace

Stats Stats::of(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  Stats s;
  if (v.empty()) {
    s.median = s.q1 = s.q3 = s.min = s.max = NAN;
    return s;
  }
  std::sort(v.begin(), v.end());
  s.n = static_cast<int>(v.size());
  s.median = quantile(v, 0.5);
  s.q1 = quantile(v, 0.25);
  s.q3 = quantile(v, 0.75);
  s.min = v.front();
  s.max = v.back();
  return s;
}

Stats Stats::map(const std::function<double(double)>& f) const {
  Stats r = *this;
  if (empty()) return r;
  r.median = f(median);
  r.q1 = f(q1);
  r.q3 = f(q3);
  r.min = f(min);
  r.max = f(max);
  if (r.min > r.max) {
    std::swap(r.min, r.max);
    std::swap(r.q1, r.q3);
  }
  return r;
}

// ---------------------------------------------------------------- child processes
double json_field(const std::string& line, const std::string& key) {
  const std::string pat = "\"" + key + "\":";
  const std::size_t at = line.find(pat);
  if (at == std::string::npos) return NAN;
  return std::strtod(line.c_str() + at + pat.size(), nullptr);
}

std::string json_string_field(const std::string& line, const std::string& key) {
  const std::string pat = "\"" + key + "\": \"";
  const std::size_t at = line.find(pat);
  if (at == std::string::npos) return "";
  const std::size_t from = at + pat.size();
  return line.substr(from, line.find('"', from) - from);
}

namespace {
struct Child {
  pid_t pid = -1;
  std::FILE* out = nullptr;  // the child's stdout
  std::FILE* in = nullptr;   // the child's stdin
};

// Spawns args with stdout (and, with_stdin, stdin) on pipes; stderr is inherited.
Child spawn(const std::vector<std::string>& args, bool with_stdin) {
  int out_pipe[2], in_pipe[2] = {-1, -1};
  if (pipe(out_pipe) != 0) throw std::runtime_error("pipe failed");
  if (with_stdin && pipe(in_pipe) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
  posix_spawn_file_actions_addclose(&fa, out_pipe[0]);
  posix_spawn_file_actions_addclose(&fa, out_pipe[1]);
  if (with_stdin) {
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_addclose(&fa, in_pipe[0]);
    posix_spawn_file_actions_addclose(&fa, in_pipe[1]);
  }
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  Child c;
  const int rc = posix_spawn(&c.pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(out_pipe[1]);
  if (with_stdin) close(in_pipe[0]);
  if (rc != 0) {
    close(out_pipe[0]);
    if (with_stdin) close(in_pipe[1]);
    c.pid = -1;
    return c;
  }
  c.out = fdopen(out_pipe[0], "r");
  if (with_stdin) c.in = fdopen(in_pipe[1], "w");
  return c;
}

std::string read_line(std::FILE* f) {
  std::string line;
  int ch;
  while ((ch = std::fgetc(f)) != EOF && ch != '\n') line.push_back(static_cast<char>(ch));
  return line;
}
}  // namespace

std::string run_capture(const std::vector<std::string>& args) {
  Child c = spawn(args, false);
  if (c.pid < 0) return "";
  std::string last;
  while (!std::feof(c.out)) {
    const std::string line = read_line(c.out);
    if (!line.empty()) last = line;
  }
  std::fclose(c.out);
  int status = 0;
  waitpid(c.pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? last : "";
}

bool Coprocess::start(const std::vector<std::string>& args, const std::string& tag) {
  tag_ = tag;
  Child c = spawn(args, true);
  pid_ = c.pid;
  out_ = c.out;
  in_ = c.in;
  if (pid_ < 0) return false;
  const std::string hello = read_line(out_);
  if (hello.find("\"ready\"") == std::string::npos) {
    stop();
    return false;
  }
  version_ = json_string_field(hello, "torch");
  return true;
}

double Coprocess::call(const std::string& cmd, const std::string& key) {
  if (!running()) return NAN;
  std::fprintf(in_, "%s\n", cmd.c_str());
  std::fflush(in_);
  last_ = read_line(out_);
  if (last_.empty() || last_.find("\"error\"") != std::string::npos) {
    std::fprintf(stderr, "%s: coprocess command '%s' failed: %s\n", tag_.c_str(), cmd.c_str(),
                 last_.c_str());
    return NAN;
  }
  return json_field(last_, key);
}

void Coprocess::stop() {
  if (!running()) return;
  if (in_ != nullptr) {
    std::fprintf(in_, "quit\n");
    std::fclose(in_);
  }
  if (out_ != nullptr) std::fclose(out_);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  in_ = out_ = nullptr;
}

// ---------------------------------------------------------------- the method
std::vector<Setting> torch_settings(Coprocess& torch) {
  std::vector<Setting> out;
  for (const auto& [t, b] : std::vector<std::pair<int, int>>{{1, 0}, {2, 0}, {1, 1}, {2, 1}}) {
    const std::string name = "torch " + std::to_string(t) + " thr, OpenBLAS " +
                             (b == 0 ? std::string("default") : std::to_string(b));
    const std::string cmd = "config " + std::to_string(t) + " " + std::to_string(b);
    out.push_back({name, [&torch, cmd] { torch.call(cmd, "ok"); }});
  }
  return out;
}

std::string Outcome::settings_note(const char* unit) const {
  std::string s;
  for (const SettingResult& r : settings) {
    s += (s.empty() ? "" : "; ") + r.name + " " + fmt(r.seconds.median) + " [" + fmt(r.seconds.q1) +
         ", " + fmt(r.seconds.q3) + "]" + (*unit ? " " : "") + unit;
  }
  return s;
}

Outcome contest(const std::function<double()>& mine, const std::function<double()>& theirs,
                const std::vector<Setting>& settings, const ContestOptions& options) {
  Outcome o;
  std::vector<double> tm, tt;
  const bool with_ref = theirs && !settings.empty();
  mine();  // warm-up
  if (!with_ref) {
    for (int i = 0; i < options.trial_rounds + options.blocks; ++i) {
      settle(options.settle_s);
      warm_cores(options.warm_s);
      tm.push_back(mine());
    }
    o.mine = Stats::of(tm);
    return o;
  }
  // One round: minidl and the reference, alternating which goes first from round to round.
  int turn = 0;
  using Pairs = std::vector<std::pair<double, double>>;
  auto round = [&](std::vector<double>& their_samples, Pairs& pairs) {
    double t = NAN;
    auto run_theirs = [&] {
      settle(options.settle_s);
      warm_cores(options.warm_s);
      t = theirs();
      their_samples.push_back(t);
    };
    if (turn % 2 == 1) run_theirs();
    settle(options.settle_s);
    warm_cores(options.warm_s);
    const double m = mine();
    tm.push_back(m);
    if (turn % 2 == 0) run_theirs();
    ++turn;
    if (std::isfinite(t)) pairs.emplace_back(m, t);
  };
  settings.front().apply();
  theirs();  // warm-up
  const std::size_t k = settings.size();
  std::vector<std::vector<double>> trials(k);
  std::vector<Pairs> trial_pairs(k);
  std::vector<bool> dropped(k, false);
  for (int r = 0; r < options.trial_rounds; ++r) {
    for (std::size_t j = 0; j < k; ++j) {
      const std::size_t s = (j + static_cast<std::size_t>(r)) % k;  // rotated order
      if (dropped[s]) continue;
      settings[s].apply();
      round(trials[s], trial_pairs[s]);
    }
    // From two blocks on, a setting whose fastest block is kDropFactor times the best median
    // cannot win: it is dropped (on a busy machine PyTorch's two-thread blocks can take 20x).
    if (r < 1) continue;
    double best_median = INFINITY;
    for (std::size_t s = 0; s < k; ++s)
      if (!dropped[s] && !trials[s].empty())
        best_median = std::min(best_median, Stats::of(trials[s]).median);
    for (std::size_t s = 0; s < k; ++s)
      if (!dropped[s] && !trials[s].empty() && Stats::of(trials[s]).min > kDropFactor * best_median)
        dropped[s] = true;
  }
  std::size_t best = 0;
  for (std::size_t s = 0; s < k; ++s) {
    const Stats st = Stats::of(trials[s]);
    o.settings.push_back({settings[s].name + (dropped[s] ? " (dropped)" : ""), st});
    const double b = o.settings[best].seconds.median;
    if (!st.empty() && (std::isnan(b) || st.median < b)) best = s;
  }
  settings[best].apply();
  o.chosen = settings[best].name;
  tt = trials[best];
  o.pairs = trial_pairs[best];
  for (int r = 0; r < options.blocks; ++r) round(tt, o.pairs);
  o.mine = Stats::of(tm);
  o.theirs = Stats::of(tt);
  return o;
}

// ---------------------------------------------------------------- rows and output
std::string fmt(double v, int digits) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, v);
  return buf;
}

std::string Target::text() const { return (at_most ? "<= " : ">= ") + fmt(ratio, 3) + "x"; }

std::optional<double> Row::ratio_of_medians() const {
  if (!reference || reference->empty() || minidl.empty()) return std::nullopt;
  if (!(reference->median > 0) || !(minidl.median > 0)) return std::nullopt;
  return minidl.median / reference->median;
}

std::optional<double> Row::ratio() const {
  if (!paired.empty() && reference && paired.median > 0) return paired.median;
  return ratio_of_medians();
}

std::optional<double> Row::speedup() const {
  const auto r = ratio();
  if (!r) return std::nullopt;
  return higher_is_better ? *r : 1.0 / *r;
}

std::string Row::verdict() const {
  const auto r = ratio();
  if (!target || !r) return "n/a";
  const bool met = target->at_most ? *r <= target->ratio : *r >= target->ratio;
  // The ratio at the quartile away from the median's verdict: for an at-most target that was
  // met, the paired ratios' upper quartile (the reverse for the others). Without pairs, both
  // sides at their quartile away from the verdict: a met target checked at minidl's worse
  // quartile against the reference's better one, and the reverse.
  double rq = 0;
  if (!paired.empty()) {
    rq = (met == target->at_most) ? paired.q3 : paired.q1;
  } else {
    const bool mine_worse_high = !higher_is_better;  // for times, a higher figure is worse
    const double mine_q = (met == mine_worse_high) ? minidl.q3 : minidl.q1;
    const double ref_q = (met == mine_worse_high) ? reference->q1 : reference->q3;
    rq = mine_q / ref_q;
  }
  const bool met_q = target->at_most ? rq <= target->ratio : rq >= target->ratio;
  return std::string(met ? "met" : "missed") + (met_q == met ? "" : ", unsure");
}

Row make_row(const std::string& bench, const std::string& unit, bool higher_is_better,
             const Outcome& o, const std::function<double(double)>& per_unit,
             const std::string& reference_name, std::optional<Target> target) {
  Row r;
  r.bench = bench;
  r.unit = unit;
  r.higher_is_better = higher_is_better;
  r.minidl = o.mine.map(per_unit);
  if (o.has_reference()) r.reference = o.theirs.map(per_unit);
  std::vector<double> ratios;
  for (const auto& [m, t] : o.pairs) ratios.push_back(per_unit(m) / per_unit(t));
  r.paired = Stats::of(ratios);
  r.reference_name = reference_name;
  r.target = std::move(target);
  return r;
}

std::string json_stats(const Stats& s) {
  return "{\"median\": " + fmt(s.median) + ", \"q1\": " + fmt(s.q1) + ", \"q3\": " + fmt(s.q3) +
         ", \"min\": " + fmt(s.min) + ", \"max\": " + fmt(s.max) +
         ", \"n\": " + std::to_string(s.n) + "}";
}

namespace {
std::string opt_fmt(std::optional<double> v) { return v ? fmt(*v) : "null"; }

std::string escaped(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c == '\n' ? ' ' : c);
  }
  return out;
}
}  // namespace

void print_json(const Row& r) {
  std::string line =
      "{\"bench\": \"" + escaped(r.bench) + "\", \"minidl\": " + fmt(r.minidl.median) +
      ", \"reference\": " + (r.reference ? fmt(r.reference->median) : "null") +
      ", \"reference_name\": \"" + escaped(r.reference_name) + "\", \"unit\": \"" +
      escaped(r.unit) + "\", \"speedup\": " + opt_fmt(r.speedup()) +
      ", \"ratio\": " + opt_fmt(r.ratio()) +
      ", \"ratio_of_medians\": " + opt_fmt(r.ratio_of_medians()) +
      ", \"paired_ratio_stats\": " + (r.paired.empty() ? "null" : json_stats(r.paired)) +
      ", \"higher_is_better\": " + (r.higher_is_better ? "true" : "false") +
      ", \"minidl_stats\": " + json_stats(r.minidl) +
      ", \"reference_stats\": " + (r.reference ? json_stats(*r.reference) : "null");
  if (r.target) {
    line += ", \"target\": \"" + r.target->text() + "\", \"verdict\": \"" + r.verdict() + "\"";
  }
  std::printf("%s}\n", line.c_str());
  std::fflush(stdout);
}

namespace {
std::string with_spread(const Stats& s) {
  if (s.empty()) return "-";
  return fmt(s.median) + " [" + fmt(s.q1, 3) + ", " + fmt(s.q3, 3) + "]";
}
}  // namespace

void print_table_header() {
  std::printf("%-14s %-26s %-26s %-10s %7s  %s\n", "bench", "minidl median [IQR]",
              "reference median [IQR]", "unit", "ratio", "reference_name");
}

void print_table_row(const Row& r) {
  const auto q = r.ratio();
  std::printf("%-14s %-26s %-26s %-10s %7s  %s\n", r.bench.c_str(), with_spread(r.minidl).c_str(),
              r.reference ? with_spread(*r.reference).c_str() : "-", r.unit.c_str(),
              q ? (fmt(*q, 3) + "x").c_str() : "-", r.reference_name.c_str());
  if (!r.paired.empty())
    std::printf("%14s ratio: median of %d paired rounds %sx [%s, %s]; ratio of the medians %s\n",
                "", r.paired.n, fmt(r.paired.median, 3).c_str(), fmt(r.paired.q1, 3).c_str(),
                fmt(r.paired.q3, 3).c_str(), opt_fmt(r.ratio_of_medians()).c_str());
  if (!r.note.empty()) std::printf("%14s %s\n", "", r.note.c_str());
  std::fflush(stdout);
}

void print_targets(const std::vector<Row>& rows) {
  bool any = false;
  for (const Row& r : rows) {
    if (!r.target) continue;
    if (!any) std::printf("\ntargets (ratio = minidl / reference, median of the paired rounds):\n");
    any = true;
    const auto q = r.ratio();
    std::printf("  %-14s %-10s %-9s %-8s %s\n", r.bench.c_str(), r.target->issue.c_str(),
                r.target->text().c_str(), q ? (fmt(*q, 3) + "x").c_str() : "-",
                r.verdict().c_str());
  }
}

}  // namespace minidl::bench
