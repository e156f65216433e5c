// Tests for data/idx.cpp and data/gzip.cpp: round trips through files the test writes itself
// (plain and gzip), every corruption case with its message, and gzip container edge cases.
#include "data/idx.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "data/gzip.h"
#include "tensor/file_util.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

using namespace minidl;
using namespace minidl::data;

namespace {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("minidl_idx_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no minidl::Error thrown)";
}

#define CHECK_ERROR_HAS(expr, ...)                           \
  do {                                                       \
    const std::string msg = error_of([&] { (void)(expr); }); \
    for (const char* part : {__VA_ARGS__}) {                 \
      INFO("message: ", msg);                                \
      CHECK(msg.find(part) != std::string::npos);            \
    }                                                        \
  } while (0)

// Test fixtures need no fsync (write_file_atomic's): a plain write keeps the tests fast.
void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

Tensor ubyte_images() {
  std::vector<double> v(3 * 4 * 5);
  for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>((i * 37 + 11) % 256);
  return from_vector(v, {3, 4, 5});
}

}  // namespace

TEST_CASE("idx: the bytes of a small ubyte file follow the spec") {
  const std::string bytes =
      encode_idx(from_vector(std::vector<double>{1, 2, 255}), IdxType::kUInt8);
  CHECK(bytes == std::string("\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02\xff", 11));
  const std::string ints =
      encode_idx(from_vector(std::vector<double>{-2}, {1, 1}), IdxType::kInt32);
  CHECK(ints ==
        std::string("\x00\x00\x0c\x02\x00\x00\x00\x01\x00\x00\x00\x01\xff\xff\xff\xfe", 16));
}

TEST_CASE("idx: ubyte round trip, plain and gzip, as float in [0,1] and as int64") {
  TempDir dir;
  const Tensor x = ubyte_images();
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    const std::string path = dir.file(gz ? "x.idx.gz" : "x.idx");
    write_idx(path, x, {.type = IdxType::kUInt8, .gzip = gz});
    CHECK(is_gzip(read_file(path)) == gz);
    const Tensor labels = read_idx(path, {.dtype = kInt64});
    CHECK(labels.dtype() == kInt64);
    CHECK(labels.shape() == Shape{3, 4, 5});
    CHECK(labels.to_vector() == x.to_vector());
    const Tensor images =
        read_idx(path, {.dtype = kFloat32, .scale = 1.0 / 255, .expected_ndim = 3});
    CHECK(images.dtype() == kFloat32);
    CHECK_TENSOR_CLOSE(images.to(kFloat64), div(x.to(kFloat64), 255.0), 1e-7);
  }
}

TEST_CASE("idx: read_idx_bytes gives a ubyte file's elements and dims, plain and gzip") {
  TempDir dir;
  const Tensor x = ubyte_images();
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    const std::string path = dir.file(gz ? "b.idx.gz" : "b.idx");
    write_idx(path, x, {.type = IdxType::kUInt8, .gzip = gz});
    const IdxBytes b = read_idx_bytes(path, 3);
    CHECK(b.dims == Shape{3, 4, 5});
    REQUIRE(b.data.size() == 60);
    const std::vector<double> want = x.to_vector();
    for (std::size_t i = 0; i < 60; ++i) CHECK(b.data[i] == want[i]);
  }
  const std::string ints = dir.file("i.idx");
  write_idx(ints, x, {.type = IdxType::kInt16});
  CHECK_THROWS_WITH_AS(read_idx_bytes(ints), doctest::Contains("holds short data"), Error);
  const std::string cut = dir.file("cut.idx");
  write_bytes(cut, encode_idx(x, IdxType::kUInt8).substr(0, 30));
  CHECK_THROWS_WITH_AS(read_idx_bytes(cut), doctest::Contains("truncated data"), Error);
  CHECK_THROWS_WITH_AS(read_idx_bytes(dir.file("b.idx"), 2),
                       doctest::Contains("expected 2 dims, the file has 3"), Error);
}

TEST_CASE("idx: scaling by 1/255 equals float32 division v / 255.f for every byte") {
  std::vector<double> all(256);
  for (int v = 0; v < 256; ++v) all[static_cast<std::size_t>(v)] = v;
  const std::string bytes = encode_idx(from_vector(all), IdxType::kUInt8);
  const Tensor t = parse_idx(bytes, "mem", {.scale = 1.0 / 255});
  const float* p = t.data<float>();
  for (int v = 0; v < 256; ++v) CHECK(p[v] == static_cast<float>(v) / 255.0f);
}

TEST_CASE("idx: round trip of every type code") {
  TempDir dir;
  const Tensor vals = from_vector(std::vector<double>{-128, -1, 0, 1, 7, 127}, {2, 3});
  for (IdxType type :
       {IdxType::kInt8, IdxType::kInt16, IdxType::kInt32, IdxType::kFloat32, IdxType::kFloat64}) {
    CAPTURE(idx_type_name(type));
    const std::string path = dir.file("t.idx");
    write_idx(path, vals, {.type = type, .gzip = true});
    CHECK(read_idx(path, {.dtype = kFloat64}).to_vector() == vals.to_vector());
  }
  const Tensor big = from_vector(std::vector<double>{-40000, 1.5e9, 0.25}, {3});
  write_idx(dir.file("f.idx"), big, {.type = IdxType::kFloat64});
  CHECK(read_idx(dir.file("f.idx"), {.dtype = kFloat64}).to_vector() == big.to_vector());
  write_idx(dir.file("i.idx"), from_vector(std::vector<double>{-40000, 1.5e9}),
            {.type = IdxType::kInt32});
  CHECK(read_idx(dir.file("i.idx"), {.dtype = kInt64}).values<std::int64_t>() ==
        std::vector<std::int64_t>{-40000, 1500000000});
}

TEST_CASE("idx: corrupt headers give errors naming the file and the problem") {
  TempDir dir;
  const std::string path = dir.file("bad.idx");
  auto put = [&](const std::string& bytes) { write_bytes(path, bytes); };

  put("");
  CHECK_ERROR_HAS(read_idx(path), "truncated header: the file has 0 bytes");
  put(std::string("\x00\x00\x08", 3));
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "truncated header: the file has 3 bytes",
                  "at least 4");
  put(std::string("\x12\x34\x08\x01\x00\x00\x00\x01\x05", 9));
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "bad magic number 0x12340801", "0x00000803");
  put(std::string("\x00\x00\x07\x01\x00\x00\x00\x01\x05", 9));
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "unsupported IDX type code 0x07", "0x08 ubyte");
  put(std::string("\x00\x00\x08\x00", 4));
  CHECK_ERROR_HAS(read_idx(path), "declares 0 dims");
  put(std::string("\x00\x00\x08\x03\x00\x00\x00\x02\x00\x00", 10));
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "truncated header: 3 dims need a 16-byte header",
                  "the file has 10 bytes");
  // Four dims of 65535 would be 2^64 bytes: refused before any size arithmetic can wrap.
  put(std::string(
      "\x00\x00\x08\x04\x00\x00\xff\xff\x00\x00\xff\xff\x00\x00\xff\xff\x00\x00\xff\xff", 20));
  CHECK_ERROR_HAS(read_idx(path), "dims [65535,65535,65535,65535]", "more than 2^48 bytes",
                  "corrupt header");
}

TEST_CASE("idx: dims whose product overflows are refused on the plain, gzip and byte paths") {
  TempDir dir;
  // magic, then dims of 4 bytes each, big-endian.
  auto header = [](char type, std::initializer_list<std::uint32_t> dims) {
    std::string h = {'\0', '\0', type, static_cast<char>(dims.size())};
    for (std::uint32_t d : dims)
      for (int shift : {24, 16, 8, 0}) h += static_cast<char>((d >> shift) & 0xff);
    return h;
  };
  // 65536^4 = 2^64 wraps around to 0 in 64-bit arithmetic, which "matches" an empty payload.
  const std::string wraps = header('\x08', {65536, 65536, 65536, 65536});
  // 2^61 doubles: the element count fits int64, the byte count (2^64) does not.
  const std::string bytes_wrap = header('\x0e', {65536, 1u << 31, 16384});
  for (bool gz : {false, true}) {
    CAPTURE(gz);
    const std::string path = dir.file(gz ? "o.idx.gz" : "o.idx");
    write_bytes(path, gz ? gzip(wraps) : wraps);
    CHECK_ERROR_HAS(read_idx(path), path.c_str(), "dims [65536,65536,65536,65536]",
                    "more than 2^48 bytes of ubyte data");
    CHECK_ERROR_HAS(read_idx_bytes(path), path.c_str(), "dims [65536,65536,65536,65536]",
                    "more than 2^48 bytes");
    write_bytes(path, gz ? gzip(bytes_wrap) : bytes_wrap);
    CHECK_ERROR_HAS(read_idx(path, {.dtype = kFloat64}), path.c_str(),
                    "dims [65536,2147483648,16384]", "more than 2^48 bytes of double data");
    // A 0 dim makes the file empty whatever the other dims are.
    const std::string empty = header('\x08', {65536, 0, 65536, 65536, 65536});
    write_bytes(path, gz ? gzip(empty) : empty);
    CHECK(read_idx(path).shape() == Shape{65536, 0, 65536, 65536, 65536});
    CHECK(read_idx_bytes(path).data.empty());
  }
}

TEST_CASE("idx: truncated data, a dims product mismatch and trailing bytes are errors") {
  TempDir dir;
  const std::string path = dir.file("x.idx");
  const std::string good = encode_idx(ubyte_images(), IdxType::kUInt8);  // 16 + 60 bytes
  write_bytes(path, good.substr(0, good.size() - 10));
  CHECK_ERROR_HAS(read_idx(path), path.c_str(),
                  "truncated data: dims [3,4,5] of ubyte need 60 bytes",
                  "after the 16-byte header, found 50 (10 missing)");
  write_bytes(path, good + "abc");
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "3 trailing bytes", "need 60 bytes", "found 63");
  // Header says 2x3 ints (24 bytes) but the data is 20 bytes: the dims do not match the payload.
  write_bytes(path, std::string("\x00\x00\x0c\x02\x00\x00\x00\x02\x00\x00\x00\x03", 12) +
                        std::string(20, '\x01'));
  CHECK_ERROR_HAS(read_idx(path), "dims [2,3] of int need 24 bytes", "found 20 (4 missing)");
  // A header claiming far more than the file can hold is refused before allocating for it.
  write_bytes(path, std::string("\x00\x00\x0d\x02\x00\x10\x00\x00\x00\x10\x00\x00", 12) + "xy");
  CHECK_ERROR_HAS(read_idx(path),
                  "truncated data: dims [1048576,1048576] of float need 4398046511104 bytes",
                  "found 2 (4398046511102 missing)");
  write_bytes(path, gzip(std::string("\x00\x00\x0d\x02\x00\x10\x00\x00\x00\x10\x00\x00", 12)));
  CHECK_ERROR_HAS(read_idx(path), "need 4398046511104 bytes", "this gzip file inflates to at most");
  // The same through gzip: the container is fine, the IDX inside is short.
  write_bytes(path, gzip(good.substr(0, good.size() - 1)));
  CHECK_ERROR_HAS(read_idx(path), "truncated data", "found 59 (1 missing)");
}

TEST_CASE("idx: corrupt or truncated gzip streams are errors") {
  TempDir dir;
  const std::string path = dir.file("x.idx.gz");
  const std::string gz = gzip(encode_idx(ubyte_images(), IdxType::kUInt8));
  std::string bad = gz;
  bad[bad.size() - 6] ^= 0x5a;  // inside the CRC-32 of the trailer
  write_bytes(path, bad);
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "corrupt gzip stream", "incorrect data check");
  bad = gz;
  bad[2] = 7;  // compression method must be 8 (deflate)
  write_bytes(path, bad);
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "corrupt gzip stream");
  bad = gz;
  bad[gz.size() / 2] ^= 0xff;  // inside the deflate data
  write_bytes(path, bad);
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "corrupt gzip stream");
  write_bytes(path, gz.substr(0, gz.size() - 5));
  CHECK_ERROR_HAS(read_idx(path), path.c_str(), "truncated gzip stream");
  write_bytes(path, gz.substr(0, 12));
  CHECK_ERROR_HAS(read_idx(path), "truncated gzip stream");
  write_bytes(path, gz + "junk");
  CHECK_ERROR_HAS(read_idx(path), "4 unexpected bytes after the end of the gzip stream");
}

TEST_CASE("idx: gzip members concatenate as in gunzip; compression round trips") {
  const std::string a = "first member ", b(100000, 'z');
  CHECK(gunzip(gzip(a) + gzip(b, 9), "two") == a + b);
  CHECK(gunzip(gzip(""), "empty").empty());
  CHECK_ERROR_HAS(gunzip("plain", "p.txt"), "p.txt is not gzip");
}

TEST_CASE("idx: reading options and writing values are validated") {
  TempDir dir;
  write_idx(dir.file("f.idx"), from_vector(std::vector<double>{0.5}), {.type = IdxType::kFloat32});
  CHECK_ERROR_HAS(read_idx(dir.file("f.idx"), {.dtype = kInt64}),
                  "cannot read float data as int64");
  write_idx(dir.file("u.idx"), from_vector(std::vector<double>{3}));
  CHECK_ERROR_HAS(read_idx(dir.file("u.idx"), {.expected_ndim = 3}),
                  "expected 3 dims, the file has 1 [1]");
  CHECK_ERROR_HAS(read_idx(dir.file("u.idx"), {.dtype = kInt64, .scale = 2.0}),
                  "needs a floating dtype");
  CHECK_ERROR_HAS(read_idx(dir.file("missing.idx")), "cannot open", "missing.idx");
  CHECK_ERROR_HAS(write_idx(dir.file("w.idx"), from_vector(std::vector<double>{1, 256})),
                  "value 256 at flat index 1 is not representable as ubyte");
  CHECK_ERROR_HAS(write_idx(dir.file("w.idx"), from_vector(std::vector<double>{0.5}),
                            {.type = IdxType::kInt16}),
                  "value 0.5", "short");
  CHECK(!fs::exists(dir.file("w.idx")));
}
