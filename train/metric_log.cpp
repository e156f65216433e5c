#include "train/metric_log.h"

#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tensor/file_util.h"
#include "tensor/json_scan.h"

namespace minidl::train {

using nlohmann::json;

std::string metric_log_line(const Logs& row) {
  // nlohmann's object is sorted by key; "epoch" goes first by hand for readability.
  std::string out = "{";
  auto append = [&](const std::string& key, double v) {
    if (out.size() > 1) out += ",";
    out += json(key).dump() + ":";
    if (!std::isfinite(v))
      out += "null";
    else if (key == "epoch")
      out += std::to_string(static_cast<long long>(v));
    else
      out += json(v).dump();  // shortest round-trip form
  };
  if (auto it = row.find("epoch"); it != row.end()) append("epoch", it->second);
  for (const auto& [k, v] : row)
    if (k != "epoch") append(k, v);
  return out + "}";
}

void write_metric_log(const std::string& path, const std::vector<Logs>& rows) {
  std::string text;
  for (const Logs& row : rows) text += metric_log_line(row) + "\n";
  write_file_atomic(path, text);
}

std::vector<Logs> read_metric_log(const std::string& path) {
  std::istringstream in(read_file(path));
  std::vector<Logs> rows;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    // Depth first (nlohmann's dump and destructor recurse on a deeply nested line).
    scan_json(line, "read_metric_log: '" + path + "' line " + std::to_string(number));
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      MINIDL_FAIL("read_metric_log: '", path, "' line ", number, " is not JSON: ", e.what());
    }
    MINIDL_CHECK(j.is_object(), "read_metric_log: '", path, "' line ", number,
                 " is not a JSON object");
    Logs row;
    for (const auto& [k, v] : j.items()) {
      if (v.is_number())
        row[k] = v.get<double>();
      else if (v.is_null())
        row[k] = std::numeric_limits<double>::quiet_NaN();
      else
        MINIDL_FAIL("read_metric_log: '", path, "' line ", number, ": \"", clip(k),
                    "\" must be a number or null, got ",
                    v.is_structured() ? std::string("an ") + v.type_name() : clip(v.dump()));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

MetricLog::MetricLog(std::string path) : path_(std::move(path)) {
  MINIDL_CHECK(!path_.empty(), "MetricLog: the path is empty");
}

void MetricLog::on_train_begin(TrainContext& ctx) {
  rows_.clear();
  if (ctx.initial_epoch > 0 && std::filesystem::exists(path_)) {
    for (Logs& row : read_metric_log(path_)) {
      auto it = row.find("epoch");
      if (it != row.end() && it->second <= static_cast<double>(ctx.initial_epoch))
        rows_.push_back(std::move(row));
    }
  }
  // Written now so a log from an older run at this path never outlives the start of this one.
  write_metric_log(path_, rows_);
}

void MetricLog::on_epoch_end(TrainContext& ctx, std::int64_t epoch, const Logs& logs) {
  Logs row = logs;
  row["epoch"] = static_cast<double>(epoch);
  rows_.push_back(std::move(row));
  write_metric_log(path_, rows_);
}

}  // namespace minidl::train
