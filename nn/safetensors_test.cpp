// safetensors: round trips, the layout on disk, a file written by Python, atomic writes, every
// kind of truncated or corrupt file, and save_weights / load_weights in strict and non-strict
// modes.
#include "nn/safetensors.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "nn/batchnorm.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "tensor/ops.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("minidl_safetensors_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

StateDict sample() {
  return {{"a.weight", tensor({{1.5, -2}, {3, 4.25}})},
          {"a.bias", tensor({0.1, 0.2}, kFloat64)},
          {"count", scalar_tensor(7, kInt64)},
          {"ids", from_vector(std::vector<std::int64_t>{-3, 1LL << 40}, {2})},
          {"nothing", zeros({0, 4})}};
}

void check_same(const StateDict& a, const StateDict& b) {
  REQUIRE(a.size() == b.size());
  for (const auto& [name, t] : a) {
    CAPTURE(name);
    REQUIRE(b.count(name) == 1);
    CHECK(testing::bitwise_equal(t, b.at(name)));
  }
}

// A file from a header text and a data buffer, with the length field set to the header's size.
std::string make_file(const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  std::uint64_t n = header.size();
  std::memcpy(out.data(), &n, 8);
  return out + header + data;
}

std::string error_of(const std::string& bytes) {
  try {
    decode_safetensors(bytes, "bad.safetensors");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_CASE("safetensors: round trip of every dtype, a 0-d and an empty tensor, and metadata") {
  StateDict s = sample();
  Metadata meta = {{"format", "pt"}, {"epoch", "3"}};
  std::string bytes = encode_safetensors(s, meta);
  SafetensorsContents back = decode_safetensors(bytes);
  check_same(s, back.tensors);
  CHECK(back.metadata == meta);
  CHECK(back.tensors.at("count").shape() == Shape{});
  // The data buffer starts 8-byte aligned; the header is JSON starting with '{'.
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  CHECK((8 + n) % 8 == 0);
  CHECK(bytes[8] == '{');
  // Same input, same bytes.
  CHECK(encode_safetensors(s, meta) == bytes);
}

TEST_CASE("safetensors: reads the file written by the Python script") {
  SafetensorsContents c = load_safetensors(std::string(MINIDL_FIXTURE_DIR) + "/tiny.safetensors");
  REQUIRE(c.tensors.size() == 5);
  const Tensor& w = c.tensors.at("layer.weight");
  CHECK(w.dtype() == kFloat32);
  CHECK(testing::bitwise_equal(
      w, from_vector(std::vector<float>{0.5f, -1.25f, 2.0f, 3.75f, -0.125f, 1e-3f}, {2, 3})));
  CHECK(testing::bitwise_equal(c.tensors.at("layer.bias"),
                               from_vector(std::vector<double>{0.1, -0.2, 1.0 / 3.0}, {3})));
  CHECK(testing::bitwise_equal(c.tensors.at("step"), scalar_tensor(42, kInt64)));
  CHECK(testing::bitwise_equal(c.tensors.at("ids"),
                               from_vector(std::vector<std::int64_t>{0, -7, 1LL << 40, 5}, {4})));
  CHECK(c.tensors.at("empty").shape() == Shape{0, 3});
  CHECK(c.metadata.at("producer") == "make_safetensors_fixture.py");
}

TEST_CASE("safetensors: writes atomically and leaves no temporary file behind") {
  TempDir dir;
  std::string path = dir.file("w.safetensors");
  save_safetensors(path, sample());
  save_safetensors(path, sample(), {{"again", "yes"}});  // overwrite in place
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir.path)) entries.push_back(e.path().filename());
  CHECK(entries == std::vector<std::string>{"w.safetensors"});
  SafetensorsContents c = load_safetensors(path);
  check_same(sample(), c.tensors);
  CHECK(c.metadata.at("again") == "yes");
}

TEST_CASE("safetensors: a file truncated anywhere is a clear error") {
  std::string bytes = encode_safetensors(sample());
  for (std::size_t k = 0; k < bytes.size(); ++k) {
    CAPTURE(k);
    std::string msg = error_of(bytes.substr(0, k));
    CHECK(msg.rfind("safetensors: 'bad.safetensors': ", 0) == 0);
  }
  CHECK(error_of(bytes.substr(0, 5)).find("too short for the 8-byte header length") !=
        std::string::npos);
  CHECK(error_of(bytes.substr(0, 40)).find("exceeds the 32 bytes after it") != std::string::npos);
  CHECK(error_of(bytes.substr(0, bytes.size() - 1)).find("run past the end of the data buffer") !=
        std::string::npos);
  // The same through a real file: the message names the path.
  TempDir dir;
  std::string path = dir.file("cut.safetensors");
  {
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  std::string quoted = "'" + path + "'";
  CHECK_THROWS_WITH_AS(load_safetensors(path), doctest::Contains(quoted.c_str()), Error);
  CHECK_THROWS_WITH_AS(load_safetensors(dir.file("missing.safetensors")),
                       doctest::Contains("missing.safetensors"), Error);
}

TEST_CASE("safetensors: a corrupt header length or JSON is a clear error") {
  std::string bytes = encode_safetensors(sample());
  std::string huge = bytes;
  std::uint64_t big = 1ULL << 60;
  std::memcpy(huge.data(), &big, 8);
  CHECK(error_of(huge).find("implausibly large") != std::string::npos);
  std::string longer = bytes;
  std::uint64_t n = 0;
  std::memcpy(&n, bytes.data(), 8);
  std::uint64_t too_long = bytes.size() - 7;
  std::memcpy(longer.data(), &too_long, 8);
  CHECK(error_of(longer).find("exceeds") != std::string::npos);
  std::string shorter = bytes;
  std::uint64_t cut = n - 10;
  std::memcpy(shorter.data(), &cut, 8);
  CHECK(error_of(shorter).find("the JSON header does not parse") != std::string::npos);
  std::string not_json = bytes;
  not_json[8] = 'x';
  CHECK(error_of(not_json).find("does not start with '{'") != std::string::npos);
  std::string broken = bytes;
  broken[bytes.find(':', 8)] = '!';
  CHECK(error_of(broken).find("the JSON header does not parse") != std::string::npos);
  CHECK(error_of(make_file("[1, 2]", "")).find("does not start with '{'") != std::string::npos);
}

TEST_CASE("safetensors: bad offsets, dtypes, shapes and entries are clear errors") {
  std::string data(16, '\0');
  auto err = [&](const std::string& header) { return error_of(make_file(header, data)); };
  CHECK(
      err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,24]}})")
          .find("tensor 'a': data_offsets [8,24] run past the end of the data buffer (16 bytes") !=
      std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})")
            .find("tensors 'a' [0, 8) and 'b' [4, 12) overlap") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})")
            .find("span 8 bytes but F32 [3] needs 12") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}})")
            .find("end before they begin") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})")
            .find("non-negative integers") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}})")
            .find("dtype F16 is not supported by minidl (F32, F64, I64)") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,2]}})")
            .find("unknown dtype \"Q7\"") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})")
            .find("must hold non-negative integers") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,4]}})")
            .find("needs more bytes than the data buffer holds") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[1]}})").find("missing \"data_offsets\"") !=
        std::string::npos);
  CHECK(err(R"({"a":[1,2]})").find("expected an object") != std::string::npos);
  CHECK(err(R"({"__metadata__":{"k":1}})").find("must be a string") != std::string::npos);
  CHECK(err(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
            R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})")
            .find("duplicate name 'a'") != std::string::npos);
  // A valid hand-made file still loads (gaps between tensors are allowed).
  SafetensorsContents ok = decode_safetensors(
      make_file(R"({"b":{"dtype":"I64","shape":[],"data_offsets":[8,16]}})", data));
  CHECK(ok.tensors.at("b").item() == 0.0);
}

TEST_CASE("safetensors: shapes that overflow are errors; a 0 dim with huge others is empty") {
  std::string data(16, '\0');
  auto err = [&](const std::string& header) { return error_of(make_file(header, data)); };
  // 2^32 x 2^32 wraps around to 0 elements in 64-bit arithmetic.
  CHECK(err(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}})") ==
        "safetensors: 'bad.safetensors': tensor 'a': shape [4294967296,4294967296] needs more "
        "bytes than the data buffer holds (16)");
  // A dim past 2^63-1 cannot be a tensor dim, even beside a 0.
  CHECK(err(R"({"a":{"dtype":"F32","shape":[0,9223372036854775808],"data_offsets":[0,0]}})") ==
        "safetensors: 'bad.safetensors': tensor 'a': shape dim 9223372036854775808 is more than "
        "2^63-1");
  // Empty whatever the order of the dims, but only with an empty byte range.
  for (const char* shape : {"[0,4611686018427387904,4611686018427387904]",
                            "[4611686018427387904,4611686018427387904,0]"}) {
    CAPTURE(shape);
    const std::string entry = std::string(R"({"e":{"dtype":"F64","shape":)") + shape;
    const SafetensorsContents ok =
        decode_safetensors(make_file(entry + R"(,"data_offsets":[8,8]}})", data));
    CHECK(ok.tensors.at("e").numel() == 0);
    CHECK(ok.tensors.at("e").dim() == 3);
    CHECK(err(entry + R"(,"data_offsets":[0,8]}})").find("span 8 bytes but F64") !=
          std::string::npos);
  }
}

TEST_CASE("safetensors: save_weights and load_weights restore a model") {
  TempDir dir;
  std::string path = dir.file("model.safetensors");
  Generator g1(1), g2(2);
  Sequential a(std::make_shared<Linear>(3, 4, g1), std::make_shared<BatchNorm1d>(4));
  Sequential b(std::make_shared<Linear>(3, 4, g2), std::make_shared<BatchNorm1d>(4));
  a(Variable(randn({5, 3}, g1)));  // moves the running statistics off their defaults
  save_weights(a, path);
  LoadReport r = load_weights(b, path);
  CHECK(r.ok());
  check_same(a.state_dict(), b.state_dict());
  CHECK(std::dynamic_pointer_cast<BatchNorm1d>(b[1])->num_batches_tracked() == 1);
}

TEST_CASE("safetensors: load_weights lists every mismatch; non-strict loads the rest") {
  TempDir dir;
  std::string path = dir.file("model.safetensors");
  Generator gen(3);
  Sequential saved(std::make_shared<Linear>(3, 4, gen), std::make_shared<Linear>(4, 2, gen));
  save_weights(saved, path);
  Sequential other(std::make_shared<Linear>(3, 5, gen),
                   std::make_shared<Linear>(5, 2, gen, LinearOptions{.bias = false}),
                   std::make_shared<BatchNorm1d>(2));
  other.to(kFloat64);
  Tensor before = other.parameter("0.weight").value().clone();
  std::string msg;
  try {
    load_weights(other, path);
  } catch (const Error& e) {
    msg = e.what();
  }
  CAPTURE(msg);
  CHECK(msg.find("load_weights: '" + path + "'") != std::string::npos);
  CHECK(msg.find("missing keys (5): 2.weight, 2.bias, 2.running_mean, 2.running_var, "
                 "2.num_batches_tracked") != std::string::npos);
  CHECK(msg.find("unexpected keys (1): 1.bias") != std::string::npos);
  CHECK(msg.find("0.weight: float32 [4,3] in the state vs float64 [5,3] in the module") !=
        std::string::npos);
  CHECK(msg.find("0.bias: float32 [4] in the state vs float64 [5]") != std::string::npos);
  CHECK(msg.find("1.weight: float32 [2,4] in the state vs float64 [2,5]") != std::string::npos);
  CHECK(testing::bitwise_equal(other.parameter("0.weight").value(), before));

  // Non-strict into a model that differs only in its head: the body loads.
  Sequential partial(std::make_shared<Linear>(3, 4, gen), std::make_shared<Linear>(4, 7, gen));
  LoadReport r = load_weights(partial, path, false);
  CHECK(r.loaded == std::vector<std::string>{"0.weight", "0.bias"});
  CHECK(r.mismatched.size() == 2);
  CHECK(testing::bitwise_equal(partial.parameter("0.weight").value(),
                               saved.parameter("0.weight").value()));
}

}  // namespace
}  // namespace minidl::nn
