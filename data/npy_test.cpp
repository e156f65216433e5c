// Tests for data/npy.cpp: files written by NumPy itself (tests/fixtures/make_npy_fixtures.py) read
// back with their values, our writer byte-identical to NumPy's, round trips through files, and
// every malformed header as a clear error.
#include "data/npy.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <string>

#include "tensor/file_util.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::data;

namespace {

std::string fixture(const std::string& name) {
  return std::string(MINIDL_FIXTURE_DIR) + "/" + name;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no minidl::Error thrown)";
}

// A valid v1.0 file with the given header dict text (padded as NumPy pads) and data bytes.
std::string with_header(const std::string& dict, const std::string& data) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64 != 0) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\0';
  out += static_cast<char>(h.size() & 0xFF);
  out += static_cast<char>(h.size() >> 8);
  return out + h + data;
}

}  // namespace

TEST_CASE("npy: reads the files NumPy writes, every supported dtype and rank") {
  const Tensor a = read_npy(fixture("npy_f4_2x3.npy"));
  CHECK(a.dtype() == kFloat32);
  CHECK(a.shape() == Shape{2, 3});
  CHECK(a.values<float>() == std::vector<float>{0, 0.5f, 1, 1.5f, 2, 2.5f});
  const Tensor b = read_npy(fixture("npy_f8_4.npy"));
  CHECK(b.dtype() == kFloat64);
  CHECK(b.values<double>() == std::vector<double>{1.5, -2.0, 0.0, 1e300});
  const Tensor c = read_npy(fixture("npy_i8_2x2x2.npy"));
  CHECK(c.dtype() == kInt64);
  CHECK(c.shape() == Shape{2, 2, 2});
  CHECK(c.values<std::int64_t>() == std::vector<std::int64_t>{-3, -2, -1, 0, 1, 2, 3, 4});
  const Tensor s = read_npy(fixture("npy_f4_scalar.npy"));
  CHECK(s.dim() == 0);
  CHECK(s.item() == 7.25);
  const Tensor e = read_npy(fixture("npy_f4_0x5.npy"));
  CHECK(e.shape() == Shape{0, 5});
  const Tensor v2 = read_npy(fixture("npy_v2_f4_3.npy"));
  CHECK(v2.values<float>() == std::vector<float>{1, 2, 3});
}

TEST_CASE("npy: the writer produces NumPy's bytes exactly") {
  for (const char* name : {"npy_f4_2x3.npy", "npy_f8_4.npy", "npy_i8_2x2x2.npy",
                           "npy_f4_scalar.npy", "npy_f4_0x5.npy"}) {
    INFO(std::string(name));
    const std::string bytes = read_file(fixture(name));
    CHECK(encode_npy(parse_npy(bytes, name)) == bytes);
  }
}

TEST_CASE("npy: round trip through a file keeps dtype, shape and bits") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("minidl_npy_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "x.npy").string();
  const Tensor x = tensor({{1.0, -0.0, 3.25}, {1e-30, 5.0, -7.5}}, kFloat32);
  write_npy(path, x);
  CHECK(testing::bitwise_equal(read_npy(path), x));
  const Tensor y = from_vector(std::vector<std::int64_t>{5, -9, 1LL << 40});
  write_npy(path, y);
  CHECK(testing::bitwise_equal(read_npy(path), y));
  const Tensor z = tensor({{0.1}, {0.2}}, kFloat64);
  write_npy(path, z);
  CHECK(testing::bitwise_equal(read_npy(path), z));
  std::filesystem::remove_all(dir);
}

TEST_CASE("npy: rejected dtypes and orders name what was found") {
  auto msg = error_of([] { read_npy(fixture("npy_fortran_2x3.npy")); });
  CHECK(msg.find("Fortran order") != std::string::npos);
  msg = error_of([] { read_npy(fixture("npy_big_endian.npy")); });
  CHECK(msg.find("'>f4' is unsupported") != std::string::npos);
  msg = error_of([] { read_npy(fixture("npy_int32.npy")); });
  CHECK(msg.find("'<i4' is unsupported") != std::string::npos);
  msg = error_of([] { read_npy("/nonexistent/minidl.npy"); });
  CHECK(msg.find("/nonexistent/minidl.npy") != std::string::npos);
}

TEST_CASE("npy: malformed headers and data are clear errors") {
  const std::string ok = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string two(8, '\0');
  CHECK(parse_npy(with_header(ok, two), "t").shape() == Shape{2});
  // Keys in another order and double quotes are still NumPy's format.
  CHECK(
      parse_npy(with_header("{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f4\"}", two),
                "t")
          .numel() == 2);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"NOTNUMPYATALL", "not a .npy file"},
      {std::string("\x93NUMPY\x04\x00", 8) + "xx", "unsupported format version 4.0"},
      {std::string("\x93NUMPY\x01\x00\xff\x00", 10) + "{}", "header says 255 bytes"},
      {with_header("{'descr': '<f4', 'shape': (2,), }", two), "lacks the key 'fortran_order'"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}", two),
       "not a string, True/False or a tuple"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': True}", two),
       "4 keys"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,) ", two),
       "expected ',' or '}'"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", two),
       "non-negative integer"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}", two),
       "needs 6 x 4 bytes of data, file has 8"},
      {with_header(ok, two + "xx"), "2 bytes after the data"},
      {with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,)}", two),
       "not a string, True/False or a tuple"},
      {with_header("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}", two),
       "not a string, True/False or a tuple"},
      {with_header("{'descr': '<f4', 'descr': '<f4', 'shape': (2,)}", two), "repeats the key"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)} x", two),
       "text after the dict"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': "
                   "(99999999999999999999,)}",
                   two),
       "does not fit in int64"},
      {with_header("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, "
                   "4294967296)}",
                   two),
       "more than 2^63-1"},
  };
  for (const auto& [bytes, want] : cases) {
    const std::string msg = error_of([&] { parse_npy(bytes, "bad.npy"); });
    INFO("message: ", msg, "  want: ", want);
    CHECK(msg.find(want) != std::string::npos);
    CHECK(msg.find("bad.npy") != std::string::npos);
  }
}
