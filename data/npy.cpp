// .npy reading and writing (format in data/npy.h). The header dict is parsed by a small
// recursive-descent reader of the Python literals NumPy writes (strings in ' or ", True/False,
// tuples of non-negative integers), so keys may come in any order and with any spacing, as
// numpy.load accepts them.
#include "data/npy.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "tensor/file_util.h"

namespace minidl::data {
namespace {

static_assert(std::endian::native == std::endian::little,
              "npy: data is copied as stored; a big-endian host would need byte swaps");

constexpr std::string_view kMagic = "\x93NUMPY";
// NumPy aligns the data to this many bytes (numpy.lib.format.ARRAY_ALIGN).
constexpr std::size_t kAlign = 64;

// A header value: string, bool or shape tuple.
using Value = std::variant<std::string, bool, Shape>;

class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : s_(text), name_(name) {}

  std::map<std::string, Value> dict() {
    expect('{');
    std::map<std::string, Value> out;
    skip();
    while (peek() != '}') {
      std::string key = string_literal();
      expect(':');
      MINIDL_CHECK(!out.count(key), "npy: ", name_, ": header repeats the key '", key, "'");
      out[key] = value();
      skip();
      if (peek() == ',') {
        ++pos_;
        skip();
      } else {
        MINIDL_CHECK(peek() == '}', "npy: ", name_, ": header expected ',' or '}' at byte ", pos_,
                     ", found ", found());
      }
    }
    ++pos_;
    skip();
    MINIDL_CHECK(pos_ == s_.size(), "npy: ", name_, ": header has text after the dict: '",
                 std::string(s_.substr(pos_)), "'");
    return out;
  }

 private:
  void skip() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  std::string found() const {
    return pos_ < s_.size() ? std::string("'") + s_[pos_] + "'" : std::string("the end");
  }
  void expect(char c) {
    skip();
    MINIDL_CHECK(peek() == c, "npy: ", name_, ": header expected '", c, "' at byte ", pos_,
                 ", found ", found());
    ++pos_;
  }
  std::string string_literal() {
    skip();
    const char q = peek();
    MINIDL_CHECK(q == '\'' || q == '"', "npy: ", name_, ": header expected a quoted key at byte ",
                 pos_, ", found ", found());
    const std::size_t end = s_.find(q, pos_ + 1);
    MINIDL_CHECK(end != std::string_view::npos, "npy: ", name_,
                 ": header has an unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  Value value() {
    skip();
    const char c = peek();
    if (c == '\'' || c == '"') return string_literal();
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    MINIDL_CHECK(c == '(', "npy: ", name_, ": header value at byte ", pos_,
                 " is not a string, True/False or a tuple, found ", found());
    ++pos_;
    Shape shape;
    skip();
    while (peek() != ')') {
      MINIDL_CHECK(std::isdigit(static_cast<unsigned char>(peek())), "npy: ", name_,
                   ": shape expected a non-negative integer at byte ", pos_, ", found ", found());
      std::int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        MINIDL_CHECK(v <= (std::numeric_limits<std::int64_t>::max() - 9) / 10, "npy: ", name_,
                     ": shape dimension does not fit in int64");
        v = v * 10 + (s_[pos_++] - '0');
      }
      if (peek() == 'L') ++pos_;  // Python 2 long literals
      shape.push_back(v);
      skip();
      if (peek() == ',') {
        ++pos_;
        skip();
      } else {
        MINIDL_CHECK(peek() == ')', "npy: ", name_, ": shape expected ',' or ')' at byte ", pos_,
                     ", found ", found());
      }
    }
    ++pos_;
    return shape;
  }

  std::string_view s_;
  const std::string& name_;
  std::size_t pos_ = 0;
};

std::uint32_t read_le(std::string_view b, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

const char* descr_of(DType dt) {
  switch (dt) {
    case kFloat32:
      return "<f4";
    case kFloat64:
      return "<f8";
    case kInt64:
      return "<i8";
  }
  return "?";
}

}  // namespace

Tensor parse_npy(std::string_view b, const std::string& name) {
  MINIDL_CHECK(b.size() >= 10 && b.substr(0, 6) == kMagic, "npy: ", name,
               ": not a .npy file (expected the magic \\x93NUMPY in the first 6 bytes, file has ",
               b.size(), " bytes)");
  const int major = static_cast<unsigned char>(b[6]), minor = static_cast<unsigned char>(b[7]);
  MINIDL_CHECK((major == 1 || major == 2 || major == 3) && minor == 0, "npy: ", name,
               ": unsupported format version ", major, ".", minor, " (expected 1.0, 2.0 or 3.0)");
  const int len_bytes = major == 1 ? 2 : 4;
  MINIDL_CHECK(b.size() >= 8u + len_bytes, "npy: ", name, ": truncated before the header length");
  const std::size_t hlen = read_le(b, 8, len_bytes);
  const std::size_t start = 8 + len_bytes;
  MINIDL_CHECK(b.size() - start >= hlen, "npy: ", name, ": header says ", hlen, " bytes but only ",
               b.size() - start, " follow");
  const auto fields = HeaderParser(b.substr(start, hlen), name).dict();
  for (const char* key : {"descr", "fortran_order", "shape"})
    MINIDL_CHECK(fields.count(key), "npy: ", name, ": header lacks the key '", key, "'");
  MINIDL_CHECK(fields.size() == 3, "npy: ", name, ": header has ", fields.size(),
               " keys; expected exactly descr, fortran_order and shape");
  const auto* descr = std::get_if<std::string>(&fields.at("descr"));
  const auto* fortran = std::get_if<bool>(&fields.at("fortran_order"));
  const auto* shape = std::get_if<Shape>(&fields.at("shape"));
  MINIDL_CHECK(descr, "npy: ", name,
               ": descr must be a string (structured dtypes are unsupported)");
  MINIDL_CHECK(fortran, "npy: ", name, ": fortran_order must be True or False");
  MINIDL_CHECK(shape, "npy: ", name, ": shape must be a tuple of integers");
  MINIDL_CHECK(!*fortran, "npy: ", name,
               ": Fortran order is unsupported; save a C-order array (numpy.ascontiguousarray)");
  DType dt;
  if (*descr == "<f4") {
    dt = kFloat32;
  } else if (*descr == "<f8") {
    dt = kFloat64;
  } else if (*descr == "<i8") {
    dt = kInt64;
  } else {
    MINIDL_FAIL("npy: ", name, ": dtype '", *descr,
                "' is unsupported (expected '<f4' float32, '<f8' float64 or '<i8' int64, "
                "little-endian)");
  }
  const auto numel = checked_numel(*shape);
  MINIDL_CHECK(numel.has_value(), "npy: ", name, ": shape ", shape_str(*shape),
               " has more than 2^63-1 elements");
  const std::size_t data_at = start + hlen;
  const std::size_t have = b.size() - data_at;
  const std::size_t elem = dtype_size(dt);
  MINIDL_CHECK(static_cast<std::uint64_t>(*numel) <= have / elem, "npy: ", name, ": shape ",
               shape_str(*shape), " of ", *descr, " needs ", *numel, " x ", elem,
               " bytes of data, file has ", have);
  const std::size_t need = static_cast<std::size_t>(*numel) * elem;
  MINIDL_CHECK(have == need, "npy: ", name, ": ", have - need, " bytes after the data of shape ",
               shape_str(*shape));
  Tensor t(*shape, dt);
  if (need > 0) std::memcpy(t.raw(), b.data() + data_at, need);
  return t;
}

Tensor read_npy(const std::string& path) { return parse_npy(read_file(path), path); }

std::string encode_npy(const Tensor& t) {
  MINIDL_CHECK(t.defined(), "write_npy: undefined tensor");
  std::string dict =
      std::string("{'descr': '") + descr_of(t.dtype()) + "', 'fortran_order': False, 'shape': (";
  // Python's tuple repr, as NumPy writes it: (), (4,), (2, 3).
  for (std::size_t i = 0; i < t.shape().size(); ++i) {
    if (i > 0) dict += ", ";
    dict += std::to_string(t.shape()[i]);
  }
  if (t.shape().size() == 1) dict += ",";
  dict += "), }";
  // Version 1.0 unless the header length does not fit in 2 bytes.
  int major = 1;
  std::size_t prefix = 10;
  std::size_t total = (prefix + dict.size() + 1 + kAlign - 1) / kAlign * kAlign;
  if (total - prefix > 65535) {
    major = 2;
    prefix = 12;
    total = (prefix + dict.size() + 1 + kAlign - 1) / kAlign * kAlign;
  }
  const std::size_t hlen = total - prefix;
  dict.append(hlen - dict.size() - 1, ' ');
  dict += '\n';
  std::string out(kMagic);
  out += static_cast<char>(major);
  out += '\0';
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out += static_cast<char>((hlen >> (8 * i)) & 0xFF);
  out += dict;
  out.append(static_cast<const char*>(t.raw()), t.nbytes());
  return out;
}

void write_npy(const std::string& path, const Tensor& t) { write_file_atomic(path, encode_npy(t)); }

}  // namespace minidl::data
