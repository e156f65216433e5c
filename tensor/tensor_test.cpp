// Tensor basics: creation, views and copies, dtype conversion, printing, the random generator's
// thread-independence, the allocator's alignment and reuse, and atomic file writes.
#include "tensor/tensor.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <sstream>
#include <thread>

#include "tensor/allocator.h"
#include "tensor/file_util.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tests/test_util.h"

namespace minidl {

TEST_CASE("tensor: creation functions give the documented values") {
  CHECK(zeros({2, 3}).shape() == Shape{2, 3});
  CHECK(zeros({2, 3}).dtype() == kFloat32);
  CHECK(ones({4}, kFloat64).to_vector() == std::vector<double>{1, 1, 1, 1});
  CHECK(full({2}, 2.5).to_vector() == std::vector<double>{2.5, 2.5});
  CHECK(arange(5).to_vector() == std::vector<double>{0, 1, 2, 3, 4});
  CHECK(arange(5).dtype() == kInt64);
  CHECK(arange(1.0, 2.0, 0.25, kFloat64).to_vector() == std::vector<double>{1, 1.25, 1.5, 1.75});
  CHECK(arange(3.0, 0.0, -1.0).to_vector() == std::vector<double>{3, 2, 1});
  CHECK(linspace(0, 1, 5, kFloat64).to_vector() == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(linspace(0, 1, 1).to_vector() == std::vector<double>{0});
  CHECK(eye(2, 3).to_vector() == std::vector<double>{1, 0, 0, 0, 1, 0});
  Tensor t = tensor({{1, 2}, {3, 4}, {5, 6}});
  CHECK(t.shape() == Shape{3, 2});
  CHECK(t.to_vector() == std::vector<double>{1, 2, 3, 4, 5, 6});
  CHECK(tensor(7.0).dim() == 0);
  CHECK(tensor(7.0).item() == 7.0);
  CHECK(from_vector(std::vector<std::int64_t>{1, 2, 3, 4}, {2, 2}).dtype() == kInt64);
  CHECK(scalar_tensor(3.0, kFloat64).shape().empty());
  CHECK(zeros({0, 3}).numel() == 0);
}

TEST_CASE("tensor: creation errors name the function and values") {
  CHECK_THROWS_WITH_AS(tensor({{1, 2}, {3}}), doctest::Contains("not rectangular"), minidl::Error);
  CHECK_THROWS_WITH_AS(from_vector(std::vector<float>{1, 2, 3}, {2, 2}),
                       doctest::Contains("3 values do not fill shape [2,2]"), minidl::Error);
  CHECK_THROWS_WITH_AS(arange(0.0, 1.0, 0.0), doctest::Contains("step"), minidl::Error);
  CHECK_THROWS_WITH_AS(Tensor({2, -1}), doctest::Contains("negative"), minidl::Error);
  CHECK_THROWS_WITH_AS(zeros({2}).data<double>(), doctest::Contains("float32"), minidl::Error);
  CHECK_THROWS_WITH_AS(Tensor().raw(), doctest::Contains("undefined"), minidl::Error);
  CHECK_THROWS_WITH_AS(zeros({2, 2}).item(), doctest::Contains("one-element"), minidl::Error);
}

TEST_CASE("tensor: handles share storage, clone copies, reshape is a view") {
  Tensor a = zeros({2, 3});
  Tensor b = a;  // shared handle
  b.fill_(1.0);
  CHECK(a.at(0) == 1.0);
  Tensor c = a.clone();
  c.fill_(2.0);
  CHECK(a.at(0) == 1.0);
  Tensor r = a.reshape({3, -1});
  CHECK(r.shape() == Shape{3, 2});
  CHECK(r.shares_storage(a));
  CHECK_THROWS_WITH_AS(a.reshape({4, -1}), doctest::Contains("cannot reshape [2,3]"),
                       minidl::Error);
  Tensor rows = arange(12).reshape({4, 3}).narrow_rows(1, 2);
  CHECK(rows.shape() == Shape{2, 3});
  CHECK(rows.to_vector() == std::vector<double>{3, 4, 5, 6, 7, 8});
}

TEST_CASE("tensor: storage is 64-byte aligned and large blocks are reused") {
  for (std::int64_t n : {1, 3, 17, 1000, 100000}) {
    Tensor t = zeros({n});
    CHECK(reinterpret_cast<std::uintptr_t>(t.raw()) % 64 == 0);
  }
  void* first = nullptr;
  {
    Tensor big = zeros({1 << 20});
    first = big.raw();
  }
  Tensor again = empty({1 << 20});
  CHECK(again.raw() == first);  // the cached block came back
}

TEST_CASE("tensor: each thread reuses the blocks it freed; a finished thread's go to all") {
  constexpr std::size_t kBytes = std::size_t{3} << 18;  // a size no other test caches
  storage_empty_cache();
  REQUIRE(storage_cached_bytes() == 0);
  void* mine = storage_alloc(kBytes);
  storage_free(mine, kBytes);
  CHECK(storage_cached_bytes() == kBytes);
  void* theirs_first = nullptr;
  void* theirs_again = nullptr;
  void* theirs_kept = nullptr;
  std::thread other([&] {
    theirs_first = storage_alloc(kBytes);  // not this thread's block: it is in mine's cache
    storage_free(theirs_first, kBytes);
    theirs_again = storage_alloc(kBytes);  // its own block back
    theirs_kept = theirs_again;
    storage_free(theirs_again, kBytes);  // kept by the thread until it ends
  });
  other.join();
  CHECK(theirs_first != mine);
  CHECK(theirs_again == theirs_first);
  CHECK(storage_cached_bytes() == 2 * kBytes);  // mine, and theirs moved to the shared list
  void* a = storage_alloc(kBytes);
  void* b = storage_alloc(kBytes);
  CHECK(a == mine);         // this thread's own first
  CHECK(b == theirs_kept);  // then the finished thread's
  storage_free(a, kBytes);
  storage_free(b, kBytes);
  storage_empty_cache();
  CHECK(storage_cached_bytes() == 0);
}

TEST_CASE("tensor: to() converts dtypes and shares when unchanged") {
  Tensor f = tensor({1.5, -2.5, 3.0});
  CHECK(f.to(kFloat64).dtype() == kFloat64);
  CHECK(f.to(kInt64).to_vector() == std::vector<double>{1, -2, 3});  // truncation, like PyTorch
  CHECK(f.to(kFloat32).shares_storage(f));
  Tensor dst = zeros({3}, kFloat64);
  dst.copy_(f);
  CHECK(dst.to_vector() == std::vector<double>{1.5, -2.5, 3.0});
}

TEST_CASE("tensor: repr follows PyTorch's printing") {
  CHECK(tensor({1, 2, 3}).repr() == "tensor([1., 2., 3.])");
  CHECK(tensor({1.5, 2.25}).repr() == "tensor([1.5000, 2.2500])");
  CHECK(tensor({{1, 2}, {3, 4}}, kFloat64).repr() ==
        "tensor([[1., 2.],\n        [3., 4.]], dtype=float64)");
  CHECK(arange(3).repr() == "tensor([0, 1, 2])");
  CHECK(tensor(2.0).repr() == "tensor(2.)");
  CHECK(tensor({1e-5, 1.0}).repr() == "tensor([1.0000e-05, 1.0000e+00])");
  std::string big = arange(2000).repr();
  CHECK(big == "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
  std::ostringstream os;
  os << zeros({2, 2, 2});
  CHECK(os.str().find("\n\n") != std::string::npos);  // matrices separated by a blank line
}

TEST_CASE("random: the stream depends on the seed, not on the thread count") {
  Generator g1(123), g2(123), g3(124);
  set_num_threads(1);
  Tensor a = randn({300000}, g1);
  set_num_threads(2);
  Tensor b = randn({300000}, g2);
  set_num_threads(0);
  CHECK(testing::bitwise_equal(a, b));
  CHECK_FALSE(testing::bitwise_equal(a, randn({300000}, g3)));
  // Consecutive draws continue the stream instead of repeating it.
  CHECK_FALSE(testing::bitwise_equal(randn({8}, g1), randn({8}, g1)));
}

TEST_CASE("random: distributions have the right moments and ranges") {
  Generator gen(7);
  std::vector<double> n = randn({200000}, gen, kFloat64).to_vector();
  double mean = 0, sq = 0;
  for (double v : n) {
    mean += v;
    sq += v * v;
  }
  mean /= static_cast<double>(n.size());
  double var = sq / static_cast<double>(n.size()) - mean * mean;
  CHECK(std::abs(mean) < 0.01);
  CHECK(std::abs(var - 1.0) < 0.02);
  for (double v : rand({10000}, gen, kFloat32, -2.0, 3.0).to_vector()) {
    CHECK(v >= -2.0);
    CHECK(v < 3.0);
  }
  std::vector<int> counts(5, 0);
  for (double v : randint(0, 5, {50000}, gen).to_vector()) counts[static_cast<std::size_t>(v)]++;
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  double ones = 0;
  for (double v : bernoulli({20000}, 0.3, gen).to_vector()) ones += v;
  CHECK(std::abs(ones / 20000 - 0.3) < 0.02);
  std::vector<double> p = permutation(1000, gen).to_vector();
  std::vector<double> sorted = p;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == arange(1000).to_vector());
  CHECK(p != sorted);
  CHECK_THROWS_WITH_AS(randint(3, 3, {1}, gen), doctest::Contains("empty range"), minidl::Error);
  CHECK_THROWS_WITH_AS(bernoulli({1}, 1.5, gen), doctest::Contains("[0, 1]"), minidl::Error);
}

TEST_CASE("parallel: chunks are fixed by the grain and reductions are ordered") {
  std::vector<std::int64_t> seen(10, 0);
  parallel_for(10, 3, [&](std::int64_t b, std::int64_t e) {
    CHECK(b % 3 == 0);
    CHECK((e - b == 3 || e == 10));
    for (auto i = b; i < e; ++i) seen[static_cast<std::size_t>(i)]++;
  });
  for (auto s : seen) CHECK(s == 1);
  auto chunk_sum = [](std::int64_t b, std::int64_t e) {
    double s = 0;
    for (auto i = b; i < e; ++i) s += 1.0 / static_cast<double>(i + 1);
    return s;
  };
  auto plus = [](double a, double b) { return a + b; };
  set_num_threads(1);
  double one = parallel_reduce(1000000, kGrainReduce, 0.0, chunk_sum, plus);
  set_num_threads(2);
  double two = parallel_reduce(1000000, kGrainReduce, 0.0, chunk_sum, plus);
  set_num_threads(0);
  CHECK(one == two);
  CHECK(get_num_threads() >= 1);
}

TEST_CASE("file_util: atomic writes replace the file whole and leave no temporary") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / "minidl_file_util_test";
  fs::create_directories(dir);
  std::string path = (dir / "out.txt").string();
  write_file_atomic(path, "first");
  write_file_atomic(path, "second");
  CHECK(read_file(path) == "second");
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir)) files += e.is_regular_file() ? 1 : 0;
  CHECK(files == 1);
  CHECK_THROWS_WITH_AS(read_file((dir / "missing").string()), doctest::Contains("missing"),
                       minidl::Error);
  CHECK_THROWS_WITH_AS(write_file_atomic((dir / "no/such/dir/x").string(), "x"),
                       doctest::Contains("cannot open"), minidl::Error);
  fs::remove_all(dir);
}

}  // namespace minidl
