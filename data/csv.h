// CSV tables of numbers with a header row and a label column, e.g. UCI-style data sets.
//
// Shapes: features [N, D] (D = columns minus the label column), labels [N].
// Syntax (RFC 4180 plus two conveniences): fields separated by `delimiter`; a field may be quoted
// ("a, b" with "" for a literal quote, newlines allowed inside); spaces around fields are ignored;
// blank lines and lines whose first non-space character is `comment` are skipped; \r\n works.
// A non-numeric value or a ragged row throws minidl::Error with the file, line and column.
// Line ends: \n, \r\n, or a lone \r (old Mac files). The file may be gzip'd.
//
// Missing values: an empty field, NA, N/A, ?, and every spelling of NaN or infinity ("nan", "inf",
// "-Infinity", ...) are missing, not numbers: an error naming the field unless allow_missing,
// then NaN (an infinite feature is almost always a writer's bug or a missing marker, and a
// silently infinite input poisons a whole batch). Labels are never missing. Numbers that overflow
// a double ("1e999") are errors too.
// Limits: a line over limits::kMaxCsvLineBytes, or a file over max_bytes, is an error.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tensor/limits.h"
#include "tensor/tensor.h"

namespace minidl::data {

enum class LabelKind {
  kClass,  // int64 class ids: integer labels as they are, or names mapped to ids (sorted order)
  kFloat,  // regression target, in the features' dtype
  kNone,   // no label column: every column is a feature
};

struct CsvOptions {
  char delimiter = ',';
  char comment = '#';  // '\0' disables comment lines
  bool header = true;  // without a header, columns are named c0, c1, ...
  // The label column by header name; when empty, by label_index (0-based, negative counts from
  // the end: -1 is the last column).
  std::string label_column{};
  std::int64_t label_index = -1;
  LabelKind label = LabelKind::kClass;
  DType dtype = kFloat32;      // features (and kFloat labels); float32 or float64
  bool allow_missing = false;  // missing feature fields (see above) read as NaN instead of throwing
  // Bytes of the file (after gunzip) read_csv accepts; a bound for a gzip bomb.
  std::uint64_t max_bytes = limits::kDefaultMaxBytes;
};

struct CsvTable {
  Tensor features;                         // [N, D] in options.dtype
  Tensor labels;                           // [N]; undefined with LabelKind::kNone
  std::vector<std::string> feature_names;  // D names
  std::string label_name;
  // Set when class labels were names rather than integers: class_names[id] is the name.
  std::vector<std::string> class_names;
};

CsvTable read_csv(const std::string& path, const CsvOptions& options = {});
// The same from text in memory; `name` stands for the file in errors.
CsvTable parse_csv(std::string_view text, const CsvOptions& options = {},
                   const std::string& name = "<csv>");

}  // namespace minidl::data
