// The IDX and gzip readers against hostile files (issue 14): a file truncated while it is being
// read (the reader used to mmap it and died of SIGBUS), and gzip data whose header claims more
// than the max_bytes option allows.
#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "data/gzip.h"
#include "data/idx.h"
#include "tensor/file_util.h"
#include "tensor/ops.h"

namespace minidl::data {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST_CASE("idx: a file truncated while it is read is an error naming the file, not SIGBUS") {
  const fs::path dir =
      fs::temp_directory_path() / ("minidl_idx_trunc_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "big.idx").string();
  const std::string bytes = encode_idx(zeros({64, 512, 512}), IdxType::kUInt8);  // 16 MiB
  int errors = 0, whole = 0;
  for (int delay_us : {0, 50, 200, 500, 1000, 2000, 4000, 8000}) {
    write_file_atomic(path, bytes);
    std::thread cut([&] {
      std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
      ::truncate(path.c_str(), 1000);
    });
    for (int kind = 0; kind < 2; ++kind) {
      const std::string msg = error_of([&] {
        if (kind == 0) (void)read_idx(path);
        if (kind == 1) (void)read_idx_bytes(path);
      });
      if (msg == "no error") {
        ++whole;
      } else {
        ++errors;
        INFO(msg);
        CHECK(msg.find(path) != std::string::npos);
        CHECK(msg.find("truncated") != std::string::npos);
      }
    }
    cut.join();
  }
  CHECK(errors > 0);  // at least the reads after the cut fail; the point is that none crashed
  CHECK(errors + whole == 16);
  fs::remove_all(dir);
}

TEST_CASE("idx: gzip data is bounded by max_bytes before it is allocated or inflated") {
  const std::string zipped = gzip(encode_idx(zeros({1000, 1000}), IdxType::kUInt8));
  CHECK(zipped.size() < 10000);  // a million bytes that inflate from a few KB
  CHECK(error_of([&] { (void)parse_idx(zipped, "z.idx.gz", {.max_bytes = 4096}); }) ==
        "read_idx: z.idx.gz: dims [1000,1000] of ubyte need 1000000 bytes, more than max_bytes "
        "= 4096 (raise IdxReadOptions::max_bytes if the file is right)");
  CHECK(parse_idx(zipped, "z.idx.gz").numel() == 1000000);
  CHECK(error_of([&] { (void)gunzip(zipped, "z.gz", 4096); }) ==
        "read: z.gz: more than max_bytes = 4096 bytes after gunzip (raise the reader's max_bytes "
        "option if the file is right)");
  CHECK(gunzip(zipped, "z.gz").size() == 1000012);
}

}  // namespace
}  // namespace minidl::data
