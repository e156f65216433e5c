// Helpers shared by train/'s tests (header only, included by *_test.cpp files alone): a temporary
// directory, a small MLP with dropout and a separable three-class data set.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <utility>

#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "nn/sequential.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::train::test_support {

// A fresh directory under the system temp dir, removed at the end of the test.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("minidl_train_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path / name).string(); }
};

// 8-16-16-3 MLP: Linear, ReLU, Dropout(p), Linear, ReLU, Linear; weights drawn from `seed`.
inline std::shared_ptr<nn::Sequential> make_mlp(std::uint64_t seed, double dropout = 0.3) {
  Generator gen(seed);
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Linear>(8, 16, gen), std::make_shared<nn::ReLU>(),
      std::make_shared<nn::Dropout>(dropout, gen), std::make_shared<nn::Linear>(16, 16, gen),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(16, 3, gen));
}

// n samples of 3 classes in 8-D: class c is N(mu_c, 0.5^2 I) with mu_c = 2 e_c, so the classes
// are well separated. X float32 [n, 8], y int64 [n] cycling 0, 1, 2.
inline std::pair<Tensor, Tensor> blobs(std::int64_t n, std::uint64_t seed) {
  Generator gen(seed);
  Tensor x = randn({n, 8}, gen, kFloat32, 0.0, 0.5);
  Tensor y = empty({n}, kInt64);
  float* px = x.data<float>();
  std::int64_t* py = y.data<std::int64_t>();
  for (std::int64_t i = 0; i < n; ++i) {
    py[i] = i % 3;
    px[i * 8 + py[i]] += 2.0f;
  }
  return {x, y};
}

}  // namespace minidl::train::test_support
