// safetensors against hostile headers (issue 14): nesting 200k deep (used to overflow the stack in
// dump()), 100k dims and 200k empty tensors (used to take minutes: a message built on every
// passing check, and nlohmann's quadratic callback parser), duplicate names, huge names in errors.
#include <doctest/doctest.h>

#include <cstring>

#include "nn/safetensors.h"
#include "tensor/limits.h"

namespace minidl::nn {
namespace {

std::string file_of(const std::string& header, const std::string& data = "") {
  std::string out(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string error_of(const std::string& bytes) {
  try {
    decode_safetensors(bytes, "h.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

std::string nested(std::size_t depth) {
  return std::string(depth, '[') + "1" + std::string(depth, ']');
}

TEST_CASE("safetensors: a shape or metadata nested 200k deep is an error, not a crash") {
  const std::string shape =
      R"({"w": {"dtype": "F32", "shape": )" + nested(200000) + R"(, "data_offsets": [0, 4]}})";
  CHECK(error_of(file_of(shape, "abcd")) ==
        "safetensors: 'h.safetensors': JSON nested deeper than 64 levels (at byte 94)");
  const std::string meta = R"({"__metadata__": {"k": )" + nested(200000) + "}}";
  CHECK(error_of(file_of(meta)).find("JSON nested deeper than 64 levels") != std::string::npos);
  // Within the limit, a nested shape is a one-line error that does not quote the structure.
  const std::string shallow =
      R"({"w": {"dtype": "F32", "shape": )" + nested(40) + R"(, "data_offsets": [0, 4]}})";
  CHECK(error_of(file_of(shallow, "abcd")) ==
        "safetensors: 'h.safetensors': tensor 'w': shape must hold non-negative integers, got an "
        "array of 1 items");
}

TEST_CASE("safetensors: 100k dims is an error naming the limit; 200k empty tensors load") {
  std::string dims = "1";
  for (int i = 1; i < 100000; ++i) dims += ",1";
  const std::string wide =
      R"({"w": {"dtype": "F32", "shape": [)" + dims + R"(], "data_offsets": [0, 4]}})";
  CHECK(error_of(file_of(wide, "abcd")) ==
        "safetensors: 'h.safetensors': tensor 'w': shape has 100000 dims, more than the limit 64");
  std::string many = "{";
  for (int i = 0; i < 200000; ++i)
    many += (i ? ",\"t" : "\"t") + std::to_string(i) +
            R"(": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]})";
  many += "}";
  const SafetensorsContents c = decode_safetensors(file_of(many), "many");
  CHECK(c.tensors.size() == 200000);
  CHECK(c.tensors.at("t199999").numel() == 0);
}

TEST_CASE("safetensors: duplicate names are found without the callback parser, escapes decoded") {
  const std::string e = R"({"dtype": "F32", "shape": [0], "data_offsets": [0, 0]})";
  CHECK(error_of(file_of(R"({"a": )" + e + R"(, "b": )" + e + R"(, "a": )" + e + "}")) ==
        "safetensors: 'h.safetensors': duplicate name 'a' in the header");
  // "\u0061" is "a": the same name spelled differently is still a duplicate.
  CHECK(error_of(file_of(R"({"a": )" + e + R"(, "\u0061": )" + e + "}")) ==
        "safetensors: 'h.safetensors': duplicate name 'a' in the header");
  CHECK(
      decode_safetensors(file_of(R"({"a\"": )" + e + R"(, "a": )" + e + "}"), "x").tensors.size() ==
      2);
}

TEST_CASE("safetensors: a 1 MB name or value in an error is cut to a readable length") {
  const std::string name(1 << 20, 'n');
  const std::string bad =
      "{\"" + name + R"(": {"dtype": "F99", "shape": [], "data_offsets": [0, 0]}})";
  const std::string msg = error_of(file_of(bad));
  CHECK(msg.size() < limits::kMaxQuotedChars * 3);
  CHECK(msg.find("unknown dtype \"F99\"") != std::string::npos);
  const std::string meta = R"({"__metadata__": {")" + name + R"(": 5}})";
  const std::string meta_msg = error_of(file_of(meta));
  CHECK(meta_msg.size() < limits::kMaxQuotedChars * 3);
  CHECK(meta_msg.find("must be a string, got 5") != std::string::npos);
}

}  // namespace
}  // namespace minidl::nn
