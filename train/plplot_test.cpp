// The one door to PLplot (train/plplot.h): its errors, its atomic file and its one lock.
#include "train/plplot.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tensor/error.h"
#include "tensor/file_util.h"
#include "train/plot.h"
#include "train/train_test_util.h"

#if MINIDL_HAVE_PLPLOT
// PLplot's fatal-error entry (declared in its private plplotP.h): what it calls when it would
// exit(), so the test can make a render fail the worst way.
extern "C" void plexit(PLCHAR_VECTOR errormsg);
#endif

namespace minidl::train {
namespace {

using test_support::TempDir;

int files_in(const std::filesystem::path& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
  return n;
}

bool is_png(const std::string& path, int width, int height) {
  const std::string b = read_file(path);
  auto be32 = [&](std::size_t at) {
    return (unsigned(static_cast<unsigned char>(b[at])) << 24) |
           (unsigned(static_cast<unsigned char>(b[at + 1])) << 16) |
           (unsigned(static_cast<unsigned char>(b[at + 2])) << 8) |
           unsigned(static_cast<unsigned char>(b[at + 3]));
  };
  return b.size() > 33 && b.compare(0, 8, "\x89PNG\r\n\x1a\n", 8) == 0 &&
         b.compare(12, 4, "IHDR") == 0 && be32(16) == unsigned(width) &&
         be32(20) == unsigned(height);
}

std::vector<Logs> curves(int epochs) {
  std::vector<Logs> rows;
  for (int e = 0; e < epochs; ++e)
    rows.push_back({{"epoch", e}, {"loss", 1.0 / (e + 1)}, {"accuracy", 1.0 - 0.5 / (e + 1)}});
  return rows;
}

#if MINIDL_HAVE_PLPLOT

TEST_CASE("plplot: a PLplot error is a minidl::Error naming the file; the old file stays") {
  CHECK(plplot_built_in());
  TempDir dir;
  const std::string path = dir.file("x.png");
  write_file_atomic(path, "old");
  // plexit: the error PLplot would end the process with, caught by the door's handler.
  CHECK_THROWS_WITH_AS(
      render_png(path, "door_test", 300, 200, [] { plexit("boom from a test"); }),
      doctest::Contains(
          ("door_test: PLplot failed writing " + path + ": boom from a test").c_str()),
      Error);
  CHECK(read_file(path) == "old");
  CHECK(files_in(dir.path) == 1);  // the temporary file is gone
  // plabort: a recoverable error (an out-of-range colour) also fails the render.
  CHECK_THROWS_WITH_AS(render_png(path, "door_test", 300, 200,
                                  [] {
                                    pladv(0);
                                    plcol0(-3);
                                  }),
                       doctest::Contains(("door_test: PLplot failed writing " + path).c_str()),
                       Error);
  CHECK(read_file(path) == "old");
  // PLplot's state was restored: the next render works and replaces the file.
  render_png(path, "door_test", 300, 200, [] {
    pladv(0);
    plvpor(0.1, 0.9, 0.1, 0.9);
    plwind(0, 1, 0, 1);
    plbox("bc", 0, 0, "bc", 0, 0);
  });
  CHECK(is_png(path, 300, 200));
  CHECK(files_in(dir.path) == 1);
}

TEST_CASE("plplot: a directory that cannot be written is a minidl::Error naming the path") {
  TempDir dir;
  write_file_atomic(dir.file("plain_file"), "x");
  const std::string inside_a_file = dir.file("plain_file") + "/x.png";
  CHECK_THROWS_WITH_AS(plot_curves(curves(3), inside_a_file),
                       doctest::Contains(inside_a_file.c_str()), Error);
  CHECK_THROWS_WITH_AS(plot_curves(curves(3), dir.file("no/such/dir/x.png")),
                       doctest::Contains(dir.file("no/such/dir/x.png").c_str()), Error);
  if (::geteuid() != 0) {  // root writes through permission bits
    const std::filesystem::path ro = dir.path / "read_only";
    std::filesystem::create_directory(ro);
    write_file_atomic((ro / "x.png").string(), "old");
    std::filesystem::permissions(
        ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    CHECK_THROWS_WITH_AS(plot_curves(curves(3), (ro / "x.png").string()),
                         doctest::Contains((ro / "x.png").string().c_str()), Error);
    std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
    CHECK(read_file((ro / "x.png").string()) == "old");
  }
  CHECK_THROWS_WITH_AS(render_png("", "door_test", 10, 10, [] {}),
                       doctest::Contains("door_test: the output path is empty"), Error);
  CHECK_THROWS_WITH_AS(render_png(dir.file("big.png"), "door_test", 40000, 10, [] {}),
                       doctest::Contains("40000x10"), Error);
}

TEST_CASE("plplot: two threads plotting at once both write whole, valid PNGs") {
  TempDir dir;
  // The reference bytes, drawn alone; every concurrent render must give the same file (two
  // renders sharing PLplot's state at once would draw into each other's page or fail).
  plot_curves(curves(6), dir.file("alone.png"), {.width = 400, .height = 300});
  const std::string alone = read_file(dir.file("alone.png"));
  std::vector<std::string> errors(2);
  auto worker = [&](int t) {
    try {
      for (int i = 0; i < 4; ++i)
        plot_curves(curves(6), dir.file("t" + std::to_string(t) + ".png"),
                    {.width = 400, .height = 300});
    } catch (const std::exception& e) {
      errors[static_cast<std::size_t>(t)] = e.what();
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  CHECK(errors[0] == "");
  CHECK(errors[1] == "");
  for (const char* name : {"t0.png", "t1.png"}) {
    CAPTURE(name);
    CHECK(is_png(dir.file(name), 400, 300));
    CHECK(read_file(dir.file(name)) == alone);
  }
  CHECK(files_in(dir.path) == 3);
}

#else  // built without PLplot

TEST_CASE("plplot: built without PLplot, a render is a minidl::Error saying so") {
  CHECK(!plplot_built_in());
  TempDir dir;
  CHECK_THROWS_WITH_AS(plot_curves(curves(3), dir.file("x.png")),
                       doctest::Contains("built without PLplot"), Error);
  CHECK(files_in(dir.path) == 0);
}

#endif

}  // namespace
}  // namespace minidl::train
