// write_file_atomic under contention (issue 14): several threads and several processes saving one
// path while readers load it. Before the fix the temporary was "<path>.tmp.<pid>": a quarter of
// the threaded saves failed with "cannot rename" and readers saw mixed content. Also: symlinks
// are written through, the mode is kept, no temporary is left behind.
#include "tensor/file_util.h"

#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tensor/error.h"

namespace minidl {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    static std::atomic<int> counter{0};
    path = fs::temp_directory_path() /
           ("minidl_atomic_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// A self-checking payload: "<writer>:<length>:" then the writer's letter repeated; lengths differ
// per save so that a mix of two payloads cannot pass.
std::string payload(int writer, int save) {
  const std::size_t n = 1000 + static_cast<std::size_t>((writer * 7919 + save * 104729) % 200000);
  const std::string head = std::to_string(writer) + ":" + std::to_string(n) + ":";
  return head + std::string(n, static_cast<char>('a' + writer % 26));
}

bool whole(const std::string& s) {
  const std::size_t a = s.find(':'), b = s.find(':', a + 1);
  if (a == std::string::npos || b == std::string::npos) return false;
  const int writer = std::stoi(s.substr(0, a));
  const std::size_t n = std::stoul(s.substr(a + 1, b - a - 1));
  return s.size() == b + 1 + n &&
         s.find_first_not_of(static_cast<char>('a' + writer % 26), b + 1) == std::string::npos;
}

std::size_t files_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) n += e.is_symlink() || e.is_regular_file();
  return n;
}

TEST_CASE("file_util: threads saving one path while others read never fail nor mix content") {
  TempDir dir;
  const std::string path = dir.file("shared.bin");
  write_file_atomic(path, payload(0, 0));
  constexpr int kWriters = 6, kSaves = 40;
  std::atomic<int> failures{0}, mixed{0}, reads{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back([&, w] {
      for (int i = 0; i < kSaves; ++i) {
        try {
          write_file_atomic(path, payload(w, i));
        } catch (const Error&) {
          ++failures;
        }
      }
    });
  std::thread reader([&] {
    while (!done) {
      mixed += whole(read_file(path)) ? 0 : 1;
      ++reads;
    }
  });
  for (auto& t : threads) t.join();
  done = true;
  reader.join();
  CHECK(failures == 0);
  CHECK(mixed == 0);
  CHECK(reads > 0);
  CHECK(whole(read_file(path)));
  CHECK(files_in(dir.path) == 1);
}

TEST_CASE("file_util: processes saving one path while the parent reads never mix content") {
  TempDir dir;
  const std::string path = dir.file("shared.bin");
  write_file_atomic(path, payload(0, 0));
  constexpr int kProcesses = 4, kSaves = 30;
  std::vector<pid_t> children;
  for (int p = 1; p <= kProcesses; ++p) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      int failed = 0;
      for (int i = 0; i < kSaves; ++i) {
        try {
          write_file_atomic(path, payload(p, i));
        } catch (...) {
          ++failed;
        }
      }
      ::_exit(failed == 0 ? 0 : 1);
    }
    children.push_back(pid);
  }
  int mixed = 0, running = kProcesses, failed_children = 0;
  while (running > 0) {
    mixed += whole(read_file(path)) ? 0 : 1;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      --running;
      failed_children += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
    }
  }
  CHECK(mixed == 0);
  CHECK(failed_children == 0);
  CHECK(files_in(dir.path) == 1);
}

TEST_CASE("file_util: a symlink is written through and an existing file keeps its mode") {
  TempDir dir;
  const std::string target = dir.file("real.txt"), link = dir.file("link.txt");
  write_file_atomic(target, "old");
  ::chmod(target.c_str(), 0600);
  fs::create_symlink("real.txt", link);  // relative, resolved from the link's directory
  write_file_atomic(link, "new");
  CHECK(fs::is_symlink(link));
  CHECK(read_file(target) == "new");
  struct stat st {};
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  // A dangling link creates its target; a new file gets 0666 & ~umask like fopen.
  fs::create_symlink(dir.file("made.txt"), dir.file("dangling.txt"));
  write_file_atomic(dir.file("dangling.txt"), "made");
  CHECK(read_file(dir.file("made.txt")) == "made");
  CHECK(fs::is_symlink(dir.file("dangling.txt")));
  const mode_t mask = ::umask(022);
  ::umask(mask);
  REQUIRE(::stat(dir.file("made.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == (0666 & ~mask));
  CHECK(files_in(dir.path) == 4);
}

TEST_CASE("file_util: AtomicFile removes its temporary unless committed") {
  TempDir dir;
  {
    AtomicFile f(dir.file("plot.png"), "plot", ".png");
    CHECK(f.temp_path().size() > 4);
    CHECK(f.temp_path().substr(f.temp_path().size() - 4) == ".png");
    CHECK(fs::exists(f.temp_path()));
  }
  CHECK(files_in(dir.path) == 0);
}

}  // namespace
}  // namespace minidl
