#include "examples/common/example.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "data/fashion_mnist.h"
#include "dist/comm.h"
#include "examples/common/flags.h"
#include "examples/common/profile.h"
#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/linear.h"
#include "tensor/error.h"
#include "tensor/file_util.h"

namespace minidl::examples {

void add_standard_flags(Flags& app, ExampleOptions& o) {
  FlagOption* quick =
      app.add_flag("--quick", o.quick, "small data and a fixed small budget, as CI and the tour");
  if (o.budget != Budget::kSteps) {
    app.add_option("--epochs", o.epochs, "training epochs (full mode)")
        ->capture_default_str()
        ->excludes(quick);
  }
  if (o.budget != Budget::kEpochs) {
    FlagOption* steps =
        app.add_option("--steps", o.steps, "training steps (full mode)")->excludes(quick);
    if (o.steps > 0) steps->capture_default_str();
  }
  app.add_option("--out", o.out_dir, "output folder (default out/<name>)");
  app.add_option("--seed", o.seed, "seed of data order, initial weights and sampling");
  if (o.uses_fashion) {
    app.add_option("--data", o.data_dir, "Fashion-MNIST folder (default: the Debian package's)");
  }
  add_profile_flag(app, o.name);
  app.callback([&o] {
    if (o.out_dir.empty()) o.out_dir = "out/" + o.name;
  });
}

const std::string& fashion_dir(const ExampleOptions& o) {
  MINIDL_CHECK(o.uses_fashion, o.name,
               ": reads Fashion-MNIST but its ExampleOptions do not set uses_fashion, so its "
               "--data flag is not offered");
  return o.data_dir;
}

namespace {
// Mean and population standard deviation of every element of x (float32).
std::pair<double, double> mean_std(const Tensor& x) {
  const float* p = x.data<float>();
  double sum = 0, sum_sq = 0;
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    sum += p[i];
    sum_sq += static_cast<double>(p[i]) * p[i];
  }
  const double n = static_cast<double>(x.numel());
  return {sum / n, std::sqrt(std::max(0.0, sum_sq / n - (sum / n) * (sum / n)))};
}

void standardise(Tensor& x, double mean, double stddev) {
  float* p = x.data<float>();
  const float m = static_cast<float>(mean), inv = static_cast<float>(1.0 / stddev);
  for (std::int64_t i = 0; i < x.numel(); ++i) p[i] = (p[i] - m) * inv;
}
}  // namespace

Fashion load_fashion(const ExampleOptions& o, std::int64_t quick_train, std::int64_t quick_test) {
  const std::string& dir = fashion_dir(o);
  MINIDL_CHECK(data::fashion_mnist_available(dir), o.name, ": Fashion-MNIST not found in ",
               data::fashion_mnist_dir(dir),
               " (install Debian's dataset-fashion-mnist, or pass --data / set "
               "MINIDL_FASHION_MNIST_DIR)");
  data::ImageSet train = data::load_fashion_mnist(
      data::Split::kTrain, {.dir = dir, .flatten = true, .limit = o.quick ? quick_train : -1});
  data::ImageSet test = data::load_fashion_mnist(
      data::Split::kTest, {.dir = dir, .flatten = true, .limit = o.quick ? quick_test : -1});
  auto [mean, stddev] = mean_std(train.images);
  standardise(train.images, mean, stddev);
  standardise(test.images, mean, stddev);
  return {train.images, train.labels, test.images, test.labels};
}

std::shared_ptr<nn::Sequential> mlp(const std::vector<std::int64_t>& sizes, Generator& gen,
                                    double dropout) {
  MINIDL_CHECK(sizes.size() >= 2, "examples::mlp: need at least an input and an output size");
  auto model = std::make_shared<nn::Sequential>();
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    model->add(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1], gen));
    if (i + 2 < sizes.size()) {
      model->add(std::make_shared<nn::ReLU>());
      if (dropout > 0) model->add(std::make_shared<nn::Dropout>(dropout, gen));
    }
  }
  return model;
}

Tensor rows(const Tensor& x, std::int64_t start, std::int64_t n) { return x.narrow_rows(start, n); }

int report(const Outcome& r, const ExampleOptions& o) {
  const bool improved = r.higher_is_better ? r.after > r.before : r.after < r.before;
  std::printf("%s: %s %.4f -> %.4f (%s is better)%s\n", r.example.c_str(), r.metric.c_str(),
              r.before, r.after, r.higher_is_better ? "higher" : "lower",
              improved ? "" : "  NOT IMPROVED");
  nlohmann::json j = {{"example", r.example},
                      {"loss", r.loss},
                      {"family", r.family},
                      {"metric", r.metric},
                      {"before", r.before},
                      {"after", r.after},
                      {"higher_is_better", r.higher_is_better},
                      {"improved", improved},
                      {"quick", o.quick},
                      {"detail", r.detail},
                      {"extras", r.extras}};
  std::filesystem::create_directories(o.out_dir);
  write_file_atomic(o.out_dir + "/result.json", j.dump(2) + "\n");
  if (!improved) {
    std::fprintf(stderr, "%s: training did not improve %s (%.4f -> %.4f)\n", r.example.c_str(),
                 r.metric.c_str(), r.before, r.after);
    return 1;
  }
  return 0;
}

int run(const std::string& name, const std::function<int()>& body) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  int rc = 1;
  try {
    rc = body();
  } catch (const std::exception& e) {
    // Under mpirun with several ranks: end the whole job with this rank's message (the others
    // would wait in a collective forever); else a no-op.
    dist::fail_job_if_distributed(name + ": error: " + e.what());
    std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
  }
  finish_profile();  // --profile's table and trace (examples/common/profile.h)
  return rc;
}

}  // namespace minidl::examples
