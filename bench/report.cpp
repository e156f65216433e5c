// bench_report: the files of bench/run. It collects the bench programs' JSON lines into one
// results file, prints such a file as a table, and compares two of them.
//
//   bench_report collect --out FILE [--meta KEY=VALUE ...] < lines
//       Reads the programs' JSON lines on stdin (anything else is skipped) and writes
//       {"meta": {KEY: VALUE, ...}, "results": [row, ...], "points": [...]} to FILE atomically
//       (temp + rename). bench_ann's lines (recall/queries-per-second points) go to "points",
//       and its minidl points also become rows named ann_<dim>d_<index>_<params>.
//   bench_report table FILE
//       The rows of FILE: minidl's median and quartiles, the reference's, the ratio and verdict.
//   bench_report compare BASE NEW [--fail-on-regression PCT]
//       For every bench in both files, minidl's relative change from BASE to NEW, in the
//       direction of its unit (a lower time is better, a higher rate is better):
//         change = (new median - base median) / base median
//       A change counts as faster or slower only beyond the noise threshold
//         threshold = max(3%, the wider of the two relative interquartile ranges (q3 - q1) /
//         median)
//       (10% when a row saved no spread: a program not yet on bench/harness.h). Target verdicts
//       that flipped are listed. With --fail-on-regression PCT the exit status is 1 when some
//       bench got worse by more than max(PCT, its threshold); otherwise 0 (2: bad usage or file).
// Nothing here times anything: bench/report_test.sh checks it on two fixture files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using nlohmann::json;

constexpr double kFloorPct = 3.0;      // no change below this counts, whatever the spreads
constexpr double kNoSpreadPct = 10.0;  // threshold for rows saved without quartiles

struct Usage : std::runtime_error {
  using std::runtime_error::runtime_error;
};

json read_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw Usage("cannot read " + path);
  try {
    json j = json::parse(f);
    if (!j.contains("results") || !j["results"].is_array())
      throw Usage(path + ": no \"results\" array (not a bench/run file)");
    return j;
  } catch (const json::parse_error& e) {
    throw Usage(path + ": " + e.what());
  }
}

std::optional<double> number(const json& row, const char* key) {
  if (!row.contains(key) || !row[key].is_number()) return std::nullopt;
  return row[key].get<double>();
}

bool higher_is_better(const json& row) {
  if (row.contains("higher_is_better") && row["higher_is_better"].is_boolean())
    return row["higher_is_better"].get<bool>();
  // Rows from programs that do not say: rates (".../s") are better higher, times and sizes lower.
  const std::string unit = row.value("unit", "");
  return unit.size() >= 2 && unit.compare(unit.size() - 2, 2, "/s") == 0;
}

// (q3 - q1) / median of minidl's figure, when the row saved its quartiles.
std::optional<double> rel_iqr(const json& row) {
  if (!row.contains("minidl_stats") || !row["minidl_stats"].is_object()) return std::nullopt;
  const json& s = row["minidl_stats"];
  const auto q1 = number(s, "q1"), q3 = number(s, "q3"), m = number(s, "median");
  if (!q1 || !q3 || !m || *m == 0) return std::nullopt;
  return std::abs(*q3 - *q1) / std::abs(*m);
}

std::map<std::string, json> by_bench(const json& file) {
  std::map<std::string, json> out;
  for (const json& r : file["results"]) {
    if (r.is_object() && r.contains("bench") && r["bench"].is_string())
      out[r["bench"].get<std::string>()] = r;  // a later row of the same name wins
  }
  return out;
}

std::string fmt(std::optional<double> v, const char* f = "%.4g") {
  if (!v || !std::isfinite(*v)) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, f, *v);
  return buf;
}

// A row from one of bench_ann's minidl points (queries/s at a recall; its references, hnswlib
// and faiss, stay in "points"): ann_<dim>d_<index>_<params>.
json ann_row(const json& p) {
  std::string name =
      "ann_" + p.value("dim", "?") + "d_" + p.value("index", "?") + "_" + p.value("params", "");
  for (char& c : name)
    if (c == ' ' || c == '=') c = c == ' ' ? '_' : '-';
  return json{{"bench", name},        {"minidl", p["qps"]},  {"reference", nullptr},
              {"reference_name", ""}, {"unit", "queries/s"}, {"higher_is_better", true},
              {"recall", p["recall"]}};
}

int collect(const std::vector<std::string>& args) {
  std::string out;
  json meta = json::object();
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--out" && i + 1 < args.size()) {
      out = args[++i];
    } else if (args[i] == "--meta" && i + 1 < args.size()) {
      const std::string kv = args[++i];
      const std::size_t eq = kv.find('=');
      if (eq == std::string::npos) throw Usage("--meta wants KEY=VALUE, got " + kv);
      meta[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      throw Usage("collect: unknown argument " + args[i]);
    }
  }
  if (out.empty()) throw Usage("collect: --out FILE is required");
  json results = json::array(), points = json::array();
  std::string dim = "?";  // bench_ann's current dimension, from its "== 784-d: ..." lines
  for (std::string line; std::getline(std::cin, line);) {
    if (line.rfind("== ", 0) == 0) dim = line.substr(3, line.find("-d") - 3);
    if (line.empty() || line.front() != '{') continue;
    try {
      json r = json::parse(line);
      if (r.contains("bench")) {
        results.push_back(std::move(r));
      } else if (r.contains("lib") && r.contains("qps")) {
        r["dim"] = dim;
        if (r.value("lib", "") == "minidl") results.push_back(ann_row(r));
        points.push_back(std::move(r));
      }
    } catch (const json::parse_error&) {
      std::fprintf(stderr, "bench_report: skipped a line that is not JSON: %s\n", line.c_str());
    }
  }
  const std::string tmp = out + ".tmp";
  {
    std::ofstream f(tmp);
    if (!f) throw Usage("cannot write " + tmp);
    f << json{{"meta", meta}, {"results", results}, {"points", points}}.dump(1) << "\n";
    if (!f) throw Usage("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), out.c_str()) != 0) throw Usage("cannot rename " + tmp);
  std::fprintf(stderr, "bench_report: %zu results written to %s\n", results.size(), out.c_str());
  return 0;
}

std::string with_spread(const json& row, const char* value_key, const char* stats_key) {
  std::string s = fmt(number(row, value_key));
  if (row.contains(stats_key) && row[stats_key].is_object()) {
    const json& st = row[stats_key];
    s += " [" + fmt(number(st, "q1"), "%.3g") + ", " + fmt(number(st, "q3"), "%.3g") + "]";
  }
  return s;
}

int table(const std::vector<std::string>& args) {
  if (args.size() != 1) throw Usage("table: one FILE");
  const json file = read_file(args[0]);
  std::printf("%-24s %-26s %-26s %-12s %7s  %-9s %s\n", "bench", "minidl median [IQR]",
              "reference median [IQR]", "unit", "ratio", "target", "verdict");
  for (const json& r : file["results"]) {
    std::optional<double> ratio = number(r, "ratio");
    if (!ratio) {  // rows from programs not on the harness: minidl / reference
      const auto m = number(r, "minidl"), ref = number(r, "reference");
      if (m && ref && *ref != 0) ratio = *m / *ref;
    }
    std::printf("%-24s %-26s %-26s %-12s %7s  %-9s %s\n", r.value("bench", "?").c_str(),
                with_spread(r, "minidl", "minidl_stats").c_str(),
                with_spread(r, "reference", "reference_stats").c_str(), r.value("unit", "").c_str(),
                (fmt(ratio, "%.3g") + (ratio ? "x" : "")).c_str(), r.value("target", "").c_str(),
                r.value("verdict", "").c_str());
  }
  return 0;
}

struct Change {
  std::string bench, unit, verdict_change;
  double base = 0, now = 0, pct = 0, threshold = 0;
  int sign = 0;  // +1 better, -1 worse, 0 within noise
};

int compare(const std::vector<std::string>& args) {
  std::vector<std::string> files;
  std::optional<double> fail_pct;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--fail-on-regression" && i + 1 < args.size()) {
      char* end = nullptr;
      fail_pct = std::strtod(args[i + 1].c_str(), &end);
      if (end == args[i + 1].c_str() || *end != '\0' || *fail_pct < 0)
        throw Usage("--fail-on-regression wants a percentage >= 0, got " + args[i + 1]);
      ++i;
    } else {
      files.push_back(args[i]);
    }
  }
  if (files.size() != 2) throw Usage("compare: BASE NEW");
  const json base_file = read_file(files[0]), new_file = read_file(files[1]);
  const auto base = by_bench(base_file), now = by_bench(new_file);
  std::vector<Change> changes;
  std::vector<std::string> only_base, only_new, unmeasured;
  for (const auto& [name, b] : base) {
    const auto it = now.find(name);
    if (it == now.end()) {
      only_base.push_back(name);
      continue;
    }
    const json& n = it->second;
    const auto vb = number(b, "minidl"), vn = number(n, "minidl");
    if (!vb || !vn || *vb == 0) {
      unmeasured.push_back(name);
      continue;
    }
    Change c;
    c.bench = name;
    c.unit = n.value("unit", "");
    c.base = *vb;
    c.now = *vn;
    c.pct = 100.0 * (*vn - *vb) / std::abs(*vb);
    const auto sb = rel_iqr(b), sn = rel_iqr(n);
    c.threshold = (sb && sn) ? std::max(kFloorPct, 100.0 * std::max(*sb, *sn)) : kNoSpreadPct;
    const double better_pct = higher_is_better(n) ? c.pct : -c.pct;
    if (std::abs(c.pct) > c.threshold) c.sign = better_pct > 0 ? 1 : -1;
    const std::string vb_s = b.value("verdict", ""), vn_s = n.value("verdict", "");
    const auto head = [](const std::string& v) { return v.substr(0, v.find(',')); };
    if (!vb_s.empty() && !vn_s.empty() && head(vb_s) != head(vn_s))
      c.verdict_change =
          head(vb_s) + " -> " + head(vn_s) + " (target " + n.value("target", "") + ")";
    changes.push_back(c);
  }
  for (const auto& [name, n] : now)
    if (!base.count(name)) only_new.push_back(name);
  // Worse first, then better, then unchanged; the largest changes first within each.
  std::stable_sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    const auto rank = [](int sign) { return sign < 0 ? 0 : sign > 0 ? 1 : 2; };
    if (a.sign != b.sign) return rank(a.sign) < rank(b.sign);
    return std::abs(a.pct) > std::abs(b.pct);
  });
  std::printf("minidl's figures, %s -> %s\n", files[0].c_str(), files[1].c_str());
  std::printf("%-24s %12s %12s %-12s %9s %9s  %s\n", "bench", "base", "new", "unit", "change",
              "noise", "");
  bool failed = false;
  for (const Change& c : changes) {
    const char* word = c.sign > 0 ? "BETTER" : c.sign < 0 ? "WORSE" : "within noise";
    char pct[32], thr[32];
    std::snprintf(pct, sizeof pct, "%+.1f%%", c.pct);
    std::snprintf(thr, sizeof thr, "%.1f%%", c.threshold);
    std::printf("%-24s %12s %12s %-12s %9s %9s  %s%s%s\n", c.bench.c_str(),
                fmt(c.base, "%.6g").c_str(), fmt(c.now, "%.6g").c_str(), c.unit.c_str(), pct, thr,
                word, c.verdict_change.empty() ? "" : "; verdict ", c.verdict_change.c_str());
    if (fail_pct && c.sign < 0 && std::abs(c.pct) > std::max(*fail_pct, c.threshold)) failed = true;
  }
  for (const std::string& n : only_base) std::printf("%-24s only in the base file\n", n.c_str());
  for (const std::string& n : only_new) std::printf("%-24s only in the new file\n", n.c_str());
  for (const std::string& n : unmeasured)
    std::printf("%-24s no minidl figure in one of the files\n", n.c_str());
  if (failed) {
    std::printf("regression beyond %.1f%% (and beyond its noise): exit status 1\n", *fail_pct);
    return 1;
  }
  return 0;
}

void usage(std::FILE* f) {
  std::fprintf(f,
               "usage: bench_report collect --out FILE [--meta KEY=VALUE ...] < json-lines\n"
               "       bench_report table FILE\n"
               "       bench_report compare BASE NEW [--fail-on-regression PCT]\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const std::string mode = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (mode == "collect") return collect(args);
    if (mode == "table") return table(args);
    if (mode == "compare") return compare(args);
    if (mode == "--help" || mode == "-h") {
      usage(stdout);
      return 0;
    }
    throw Usage("unknown mode " + mode);
  } catch (const Usage& e) {
    std::fprintf(stderr, "bench_report: %s\n", e.what());
    usage(stderr);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_report: %s\n", e.what());
    return 2;
  }
}
