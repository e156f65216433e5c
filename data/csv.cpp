#include "data/csv.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>

#include "data/gzip.h"
#include "tensor/limits.h"

namespace minidl::data {
namespace {

struct Record {
  std::int64_t line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

// Splits text into records, skipping blank and comment lines; tracks line numbers for errors.
class Reader {
 public:
  Reader(std::string_view text, const CsvOptions& o, const std::string& name)
      : text_(text), opt_(o), name_(name) {}

  bool next(Record& r) {
    if (!skip_ignored_lines()) return false;
    r.line = line_;
    r.fields.clear();
    const std::size_t start = pos_;
    for (;;) {
      r.fields.push_back(field(r));
      // Checked per field, so a huge line costs one pass before the error; a record with quoted
      // newlines counts as one line here.
      MINIDL_CHECK(pos_ - start <= limits::kMaxCsvLineBytes, "csv: ", name_, " line ", r.line,
                   " is longer than ", limits::kMaxCsvLineBytes,
                   " bytes (limits::kMaxCsvLineBytes; not a CSV file, or a missing quote?)");
      if (pos_ >= text_.size()) return true;
      const char c = text_[pos_++];
      if (c == '\n') {
        ++line_;
        return true;
      }
      // Otherwise c is the delimiter: another field follows (possibly empty).
    }
  }

 private:
  bool blank(char c) const { return c == ' ' || (c == '\t' && opt_.delimiter != '\t'); }

  void skip_blanks() {
    while (pos_ < text_.size() && blank(text_[pos_])) ++pos_;
  }

  // Moves past blank and comment lines; false at the end of the text.
  bool skip_ignored_lines() {
    for (;;) {
      skip_blanks();
      if (pos_ >= text_.size()) return false;
      const char c = text_[pos_];
      const bool cr_eol = c == '\r' && (pos_ + 1 == text_.size() || text_[pos_ + 1] == '\n');
      if (c == '\n' || cr_eol || (opt_.comment != '\0' && c == opt_.comment)) {
        const std::size_t eol = text_.find('\n', pos_);
        if (eol == std::string_view::npos) {
          pos_ = text_.size();
          return false;
        }
        pos_ = eol + 1;
        ++line_;
        continue;
      }
      return true;
    }
  }

  // One field, leaving pos_ on the delimiter, the newline or the end.
  std::string field(const Record& r) {
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == '"') return quoted(r);
    std::size_t end = pos_;
    while (end < text_.size() && text_[end] != opt_.delimiter && text_[end] != '\n') ++end;
    std::size_t last = end;
    while (last > pos_ && (blank(text_[last - 1]) || text_[last - 1] == '\r')) --last;
    std::string out(text_.substr(pos_, last - pos_));
    pos_ = end;
    return out;
  }

  std::string quoted(const Record& r) {
    const std::int64_t open_line = line_;
    const std::size_t column = r.fields.size() + 1;
    std::string out;
    ++pos_;
    for (;;) {
      MINIDL_CHECK(pos_ < text_.size(), "csv: ", name_, " line ", open_line, ", column ", column,
                   ": unterminated quoted field (no closing quote before the end of the file)");
      const char c = text_[pos_++];
      if (c == '"') {
        if (pos_ < text_.size() && text_[pos_] == '"') {
          out += '"';
          ++pos_;
          continue;
        }
        break;
      }
      if (c == '\n') ++line_;
      out += c;
    }
    skip_blanks();
    if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
    MINIDL_CHECK(pos_ >= text_.size() || text_[pos_] == opt_.delimiter || text_[pos_] == '\n',
                 "csv: ", name_, " line ", line_, ", column ", column, ": unexpected character '",
                 pos_ < text_.size() ? text_[pos_] : ' ', "' after the closing quote of a field");
    return out;
  }

  std::string_view text_;
  const CsvOptions& opt_;
  const std::string& name_;
  std::size_t pos_ = 0;
  std::int64_t line_ = 1;
};

// The whole field as a finite double, or false. from_chars also reads "nan", "inf" and
// "-Infinity": those are missing values here (the policy in csv.h), not numbers.
bool parse_number(const std::string& s, double& out) {
  const char* b = s.data();
  const char* e = b + s.size();
  if (b != e && *b == '+') ++b;  // from_chars rejects a leading '+'
  if (b == e) return false;
  const auto [p, ec] = std::from_chars(b, e, out);
  return ec == std::errc() && p == e && std::isfinite(out);
}

// Empty, NA-style markers, and every spelling of NaN or infinity from_chars accepts.
bool is_missing(const std::string& s) {
  if (s.empty() || s == "NA" || s == "N/A" || s == "?") return true;
  double v = 0;
  const char* b = s.data() + (s[0] == '+' ? 1 : 0);
  const char* e = s.data() + s.size();
  const auto [p, ec] = std::from_chars(b, e, v);
  return ec == std::errc() && p == e && !std::isfinite(v);
}

std::string column_str(std::size_t col, const std::vector<std::string>& names) {
  return detail::concat("column ", col + 1, " ('", clip(names[col]), "')");
}

// Old Mac files end lines with a lone '\r': read as one header line with no rows before. A lone CR
// (not followed by '\n') anywhere is taken as a line end; the copy is made only for such files.
std::string_view normalize_line_ends(std::string_view text, std::string& storage) {
  bool lone = false;
  for (std::size_t i = 0; i < text.size() && !lone; ++i)
    lone = text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n');
  if (!lone) return text;
  storage.assign(text);
  for (std::size_t i = 0; i < storage.size(); ++i)
    if (storage[i] == '\r' && (i + 1 == storage.size() || storage[i + 1] != '\n'))
      storage[i] = '\n';
  return storage;
}

// Class labels as int64 ids: integers when the first label is a number (then all must be), else
// names mapped to ids in sorted order.
void resolve_classes(const std::vector<std::string>& text, const std::vector<std::int64_t>& lines,
                     const std::string& where, CsvTable& t) {
  const std::int64_t n = static_cast<std::int64_t>(text.size());
  t.labels = Tensor({n}, kInt64);
  std::int64_t* y = t.labels.data<std::int64_t>();
  double v = 0;
  if (n == 0 || parse_number(text[0], v)) {
    for (std::int64_t i = 0; i < n; ++i) {
      const auto k = static_cast<std::size_t>(i);
      MINIDL_CHECK(parse_number(text[k], v), where, " line ", lines[k], ": class label '",
                   clip(text[k]), "' is not a number while the first label ('", clip(text[0]),
                   "', line ", lines[0], ") is");
      MINIDL_CHECK(std::floor(v) == v && std::abs(v) < 9e15, where, " line ", lines[k],
                   ": class label '", clip(text[k]),
                   "' is not an integer (use LabelKind::kFloat for a regression target)");
      y[i] = static_cast<std::int64_t>(v);
    }
    return;
  }
  std::map<std::string, std::int64_t> ids;
  for (const std::string& s : text) ids.emplace(s, 0);
  for (auto& [name, id] : ids) {
    id = static_cast<std::int64_t>(t.class_names.size());
    t.class_names.push_back(name);
  }
  for (std::int64_t i = 0; i < n; ++i) y[i] = ids.at(text[static_cast<std::size_t>(i)]);
}

}  // namespace

CsvTable parse_csv(std::string_view text, const CsvOptions& options, const std::string& name) {
  MINIDL_CHECK(options.dtype == kFloat32 || options.dtype == kFloat64, "csv: ", name,
               ": dtype must be float32 or float64, got ", dtype_name(options.dtype));
  MINIDL_CHECK(options.delimiter != '"' && options.delimiter != '\n', "csv: ", name,
               ": the delimiter cannot be a quote or a newline");
  std::string normalized;
  Reader reader(normalize_line_ends(text, normalized), options, name);
  Record rec;
  MINIDL_CHECK(reader.next(rec), "csv: ", name, ": no rows (the file is empty or all comments)");
  std::vector<std::string> names;
  const std::int64_t header_line = rec.line;
  bool pending = false;  // rec holds a data row still to be read
  if (options.header) {
    names = rec.fields;
  } else {
    for (std::size_t i = 0; i < rec.fields.size(); ++i) names.push_back("c" + std::to_string(i));
    pending = true;
  }
  const auto ncol = static_cast<std::int64_t>(names.size());

  std::int64_t label_col = -1;
  if (options.label != LabelKind::kNone) {
    if (!options.label_column.empty()) {
      const auto it = std::find(names.begin(), names.end(), options.label_column);
      MINIDL_CHECK(it != names.end(), "csv: ", name, ": no column named '",
                   clip(options.label_column), "' in the header on line ", header_line,
                   options.header ? "" : " (the header option is off)");
      label_col = it - names.begin();
    } else {
      label_col = options.label_index < 0 ? options.label_index + ncol : options.label_index;
      MINIDL_CHECK(label_col >= 0 && label_col < ncol, "csv: ", name, ": label_index ",
                   options.label_index, " out of range for ", ncol, " columns");
    }
  }

  CsvTable t;
  for (std::int64_t c = 0; c < ncol; ++c)
    if (c != label_col) t.feature_names.push_back(names[static_cast<std::size_t>(c)]);
  if (label_col >= 0) t.label_name = names[static_cast<std::size_t>(label_col)];
  const auto nfeat = static_cast<std::int64_t>(t.feature_names.size());

  std::vector<double> x, target;
  std::vector<std::string> label_text;
  std::vector<std::int64_t> label_lines;
  std::int64_t rows = 0;
  while (pending || reader.next(rec)) {
    pending = false;
    MINIDL_CHECK(static_cast<std::int64_t>(rec.fields.size()) == ncol, "csv: ", name, " line ",
                 rec.line, ": ", rec.fields.size(), " fields, expected ", ncol,
                 options.header ? " (as in the header on line " : " (as in the first row, line ",
                 header_line, ")");
    for (std::int64_t c = 0; c < ncol; ++c) {
      const std::string& f = rec.fields[static_cast<std::size_t>(c)];
      if (c == label_col && options.label == LabelKind::kClass) {
        MINIDL_CHECK(!f.empty(), "csv: ", name, " line ", rec.line, ", ",
                     column_str(static_cast<std::size_t>(c), names), ": empty class label");
        label_text.push_back(f);
        label_lines.push_back(rec.line);
        continue;
      }
      double v = 0;
      if (!parse_number(f, v)) {
        MINIDL_CHECK(
            options.allow_missing && c != label_col && is_missing(f), "csv: ", name, " line ",
            rec.line, ", ", column_str(static_cast<std::size_t>(c), names), ": cannot parse '",
            clip(f), "' as a number",
            c != label_col && is_missing(f) ? " (a missing value: set allow_missing)" : "");
        v = std::numeric_limits<double>::quiet_NaN();
      }
      (c == label_col ? target : x).push_back(v);
    }
    ++rows;
  }

  t.features = from_vector(x, {rows, nfeat}).to(options.dtype);
  if (options.label == LabelKind::kFloat) t.labels = from_vector(target, {rows}).to(options.dtype);
  if (options.label == LabelKind::kClass)
    resolve_classes(label_text, label_lines, "csv: " + name, t);
  return t;
}

CsvTable read_csv(const std::string& path, const CsvOptions& options) {
  return parse_csv(read_file_maybe_gzip(path, options.max_bytes), options, path);
}

}  // namespace minidl::data
