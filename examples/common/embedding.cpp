// Metric-learning example machinery (see embedding.h).
#include "examples/common/embedding.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "data/fashion_mnist.h"
#include "data/loader.h"
#include "data/m_per_class_sampler.h"
#include "metrics/clustering.h"
#include "nn/activation.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/fit.h"
#include "train/plplot.h"

namespace minidl::examples {

FashionImages load_fashion_images(const ExampleOptions& o, std::int64_t quick_train,
                                  std::int64_t quick_test) {
  const std::string& dir = fashion_dir(o);
  MINIDL_CHECK(data::fashion_mnist_available(dir), o.name, ": Fashion-MNIST not found in ",
               data::fashion_mnist_dir(dir),
               " (install Debian's dataset-fashion-mnist, or pass --data / set "
               "MINIDL_FASHION_MNIST_DIR)");
  data::ImageSet train = data::load_fashion_mnist(
      data::Split::kTrain, {.dir = dir, .limit = o.quick ? quick_train : -1});
  data::ImageSet test = data::load_fashion_mnist(data::Split::kTest,
                                                 {.dir = dir, .limit = o.quick ? quick_test : -1});
  // Standardise with the training pixels' statistics (one channel).
  const float* p = train.images.data<float>();
  double sum = 0, sum_sq = 0;
  for (std::int64_t i = 0; i < train.images.numel(); ++i) {
    sum += p[i];
    sum_sq += static_cast<double>(p[i]) * p[i];
  }
  const double n = static_cast<double>(train.images.numel());
  const double mean = sum / n, stddev = std::sqrt(std::max(sum_sq / n - mean * mean, 1e-12));
  for (Tensor* t : {&train.images, &test.images}) {
    float* q = t->data<float>();
    for (std::int64_t i = 0; i < t->numel(); ++i) q[i] = static_cast<float>((q[i] - mean) / stddev);
  }
  return {train.images, train.labels, test.images, test.labels};
}

std::shared_ptr<nn::Sequential> embedding_net(Generator& gen, std::int64_t dim) {
  return std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(1, 16, 3, gen, nn::Conv2dOptions{.padding = 1}),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Conv2d>(16, 32, 3, gen, nn::Conv2dOptions{.padding = 1}),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(32 * 7 * 7, dim, gen));
}

Tensor embed(nn::Module& model, const Tensor& x, std::int64_t batch_size) {
  return train::predict(model, x, batch_size);
}

EmbeddingScores score_embeddings(const Tensor& embeddings, const Tensor& labels,
                                 metrics::RetrievalDistance distance, std::uint64_t seed,
                                 std::int64_t kmeans_restarts) {
  const metrics::RetrievalResult r =
      metrics::retrieval_metrics(embeddings, labels, {.distance = distance, .recall_at = {1}});
  // k-means in the geometry of the evaluation: unit rows for cosine.
  Tensor points = embeddings;
  if (distance == metrics::RetrievalDistance::kCosine)
    points = div(embeddings, clamp(norm(embeddings, 2.0, {1}, true), 1e-12, std::nullopt));
  const metrics::ClusteringScores c =
      metrics::cluster_and_score(points, labels, {.n_init = kmeans_restarts, .seed = seed});
  return {r.precision_at_1, r.map_at_r, c.nmi};
}

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// At most `limit` evenly spaced rows (for a readable scatter plot).
std::pair<Tensor, Tensor> subsample(const Tensor& x, const Tensor& y, std::int64_t limit) {
  const std::int64_t n = x.size(0);
  if (n <= limit) return {x, y};
  std::vector<std::int64_t> idx;
  for (std::int64_t i = 0; i < limit; ++i) idx.push_back(i * n / limit);
  const Tensor index = from_vector(idx);
  return {index_select(x, 0, index), index_select(y, 0, index)};
}

}  // namespace

std::int64_t train_embedding(nn::Module& model, const Tensor& x, const Tensor& y,
                             const EmbeddingLoss& loss_fn, const ExampleOptions& o,
                             const EmbeddingTraining& t) {
  MINIDL_CHECK(static_cast<bool>(loss_fn), o.name, ": no loss function");
  optim::Adam adam(model.parameters(), {.lr = t.lr});
  auto sampler = std::make_shared<data::MPerClassSampler>(
      y, data::MPerClassOptions{.classes_per_batch = t.classes_per_batch,
                                .samples_per_class = t.samples_per_class,
                                .seed = o.seed + 1});
  data::DataLoader loader(x, y, {.batch_size = sampler->batch_size(), .sampler = sampler});
  const std::int64_t steps =
      o.steps > 0 ? o.steps : (o.quick ? t.quick_steps : o.epochs * loader.num_batches());
  std::unique_ptr<optim::CosineAnnealingLR> schedule;
  if (!o.quick)
    schedule = std::make_unique<optim::CosineAnnealingLR>(
        adam, optim::CosineAnnealingLROptions{.t_max = std::max<std::int64_t>(steps, 1)});
  std::printf("training: Adam lr %g%s, %lld x %lld batches of %lld images, %lld steps\n", t.lr,
              o.quick ? "" : " (cosine-annealed)", static_cast<long long>(t.classes_per_batch),
              static_cast<long long>(t.samples_per_class), static_cast<long long>(y.numel()),
              static_cast<long long>(steps));
  const std::int64_t report_every = std::max<std::int64_t>(1, steps / (o.quick ? 3 : 10));
  std::int64_t step = 0, window_n = 0;
  double window = 0;
  for (std::int64_t epoch = 0; step < steps; ++epoch) {
    for (data::Batch& b : loader.epoch(epoch)) {
      if (step >= steps) break;
      model.train();
      const Variable emb = model(Variable(b.inputs));
      const Variable loss = loss_fn(emb, b.targets);
      adam.zero_grad();
      backward(loss);
      adam.step();
      if (schedule) schedule->step();
      ++step;
      const double value = loss.item();
      MINIDL_CHECK(std::isfinite(value), o.name, ": the loss is ", value, " at step ", step);
      window += value;
      ++window_n;
      if (step % report_every == 0 || step == steps) {
        std::printf("step %lld/%lld (epoch %lld): mean loss %.4f\n", static_cast<long long>(step),
                    static_cast<long long>(steps), static_cast<long long>(epoch + 1),
                    window / static_cast<double>(window_n));
        window = 0;
        window_n = 0;
        if (t.on_report) t.on_report();
      }
    }
  }
  return step;
}

MetricRun train_metric_embedding(const ExampleOptions& o, const MetricExampleOptions& m,
                                 const EmbeddingLoss& loss_fn) {
  const auto t0 = std::chrono::steady_clock::now();
  const FashionImages data = load_fashion_images(o);
  Generator gen(o.seed);
  auto model = embedding_net(gen);
  const std::int64_t restarts = o.quick ? 2 : 5;
  std::printf("%s: Fashion-MNIST %lld train / %lld test images; CNN embedding (dim %lld)\n",
              o.name.c_str(), static_cast<long long>(data.y_train.numel()),
              static_cast<long long>(data.y_test.numel()), static_cast<long long>(kEmbeddingDim));

  MetricRun run;
  const Tensor before_emb = embed(*model, data.x_test);
  run.before = score_embeddings(before_emb, data.y_test, m.eval_distance, o.seed, restarts);
  std::printf("untrained: P@1 %.4f  MAP@R %.4f  NMI %.4f\n", run.before.precision_at_1,
              run.before.map_at_r, run.before.nmi);
  run.steps = train_embedding(*model, data.x_train, data.y_train, loss_fn, o,
                              {.classes_per_batch = m.classes_per_batch,
                               .samples_per_class = m.samples_per_class,
                               .lr = m.lr,
                               .quick_steps = m.quick_steps,
                               .on_report = m.on_report});

  const Tensor after_emb = embed(*model, data.x_test);
  run.after = score_embeddings(after_emb, data.y_test, m.eval_distance, o.seed, restarts);
  std::printf("trained:   P@1 %.4f  MAP@R %.4f  NMI %.4f\n", run.after.precision_at_1,
              run.after.map_at_r, run.after.nmi);

  std::filesystem::create_directories(o.out_dir);
  const std::string png = o.out_dir + "/embeddings.png";
  // The picture shows the geometry retrieval uses: unit rows for cosine.
  auto geometry = [&](const Tensor& e) {
    return m.eval_distance == metrics::RetrievalDistance::kCosine
               ? div(e, clamp(norm(e, 2.0, {1}, true), 1e-12, std::nullopt))
               : e;
  };
  auto [xb, yb] = subsample(geometry(before_emb), data.y_test, 2000);
  auto [xa, ya] = subsample(geometry(after_emb), data.y_test, 2000);
  char before_title[64], after_title[64];
  std::snprintf(before_title, sizeof before_title, "untrained (P@1 %.3f)",
                run.before.precision_at_1);
  std::snprintf(after_title, sizeof after_title, "trained, %lld steps (P@1 %.3f)",
                static_cast<long long>(run.steps), run.after.precision_at_1);
  plot_embeddings({{before_title, pca_2d(xb)}, {after_title, pca_2d(xa)}}, ya, png,
                  m.loss + ": PCA of the test embeddings");
  run.seconds = seconds_since(t0);
  std::printf("wrote %s; %.1f s\n", png.c_str(), run.seconds);
  return run;
}

int run_metric_example(const ExampleOptions& o, const MetricExampleOptions& m,
                       const EmbeddingLoss& loss) {
  const MetricRun run = train_metric_embedding(o, m, loss);
  char detail[160];
  std::snprintf(detail, sizeof detail, "MAP@R %.4f -> %.4f, NMI %.4f -> %.4f, %lld steps, %.1f s",
                run.before.map_at_r, run.after.map_at_r, run.before.nmi, run.after.nmi,
                static_cast<long long>(run.steps), run.seconds);
  return report({.example = o.name,
                 .loss = m.loss,
                 .family = "metric",
                 .metric = "P@1",
                 .before = run.before.precision_at_1,
                 .after = run.after.precision_at_1,
                 .higher_is_better = true,
                 .detail = detail,
                 .extras = {{"MAP@R before", run.before.map_at_r},
                            {"MAP@R after", run.after.map_at_r},
                            {"NMI before", run.before.nmi},
                            {"NMI after", run.after.nmi}}},
                o);
}

Tensor pca_2d(const Tensor& embeddings) {
  MINIDL_CHECK(embeddings.dim() == 2 && embeddings.size(0) >= 2, "pca_2d: need [N >= 2, D], got ",
               shape_str(embeddings.shape()));
  const Tensor x = embeddings.to(kFloat64);
  const Tensor centred = sub(x, mean(x, {0}, true));
  const std::int64_t d = x.size(1);
  const std::vector<double> cov = matmul(centred, centred, true, false).values<double>();
  // Power iteration for the top two eigenvectors; the second runs on the deflated matrix.
  std::vector<std::vector<double>> dirs;
  std::vector<double> deflated = cov;
  for (int k = 0; k < 2; ++k) {
    std::vector<double> v(static_cast<std::size_t>(d));
    for (std::int64_t i = 0; i < d; ++i) v[static_cast<std::size_t>(i)] = 1.0 + 0.01 * i;
    double lambda = 0;
    for (int it = 0; it < 500; ++it) {
      std::vector<double> w(static_cast<std::size_t>(d), 0.0);
      for (std::int64_t i = 0; i < d; ++i)
        for (std::int64_t j = 0; j < d; ++j)
          w[static_cast<std::size_t>(i)] +=
              deflated[static_cast<std::size_t>(i * d + j)] * v[static_cast<std::size_t>(j)];
      double len = 0;
      for (double e : w) len += e * e;
      len = std::sqrt(len);
      if (len == 0) break;  // constant data: keep the current direction
      for (auto& e : w) e /= len;
      lambda = len;
      v = w;
    }
    for (std::int64_t i = 0; i < d; ++i)
      for (std::int64_t j = 0; j < d; ++j)
        deflated[static_cast<std::size_t>(i * d + j)] -=
            lambda * v[static_cast<std::size_t>(i)] * v[static_cast<std::size_t>(j)];
    dirs.push_back(v);
  }
  std::vector<double> basis;
  for (std::int64_t i = 0; i < d; ++i)
    for (int k = 0; k < 2; ++k)
      basis.push_back(dirs[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)]);
  // In units of the spread along PC 1, so the axes read alike whatever the embedding's scale.
  const Tensor projected = matmul(centred, from_vector(basis, {d, 2}));
  const double sd = std::sqrt(dirs.empty() ? 0.0 : mean(square(narrow(projected, 1, 0, 1))).item());
  return sd > 0 ? div(projected, sd) : projected;
}

namespace {

// cmap0: 0 background, 1 ink, 2..11 the ten classes (the "tab10" palette).
constexpr PLINT kRed[12] = {255, 25, 31, 255, 44, 214, 148, 140, 227, 127, 188, 23};
constexpr PLINT kGreen[12] = {255, 25, 119, 127, 160, 39, 103, 86, 119, 127, 189, 190};
constexpr PLINT kBlue[12] = {255, 25, 180, 14, 44, 40, 189, 75, 194, 127, 34, 207};

// A panel's points split by class, and its window, all built before the door: the drawing
// creates nothing (train/plplot.h).
struct Panel {
  const char* title;
  std::vector<PLFLT> x[10], y[10];  // the points of class c
  PLFLT x0, x1, y0, y1;             // window
};

void draw_scatter(const std::vector<Panel>& panels, const char* title) {
  pladv(0);
  const auto& names = data::fashion_mnist_classes();
  const PLFLT width = 0.81 / static_cast<PLFLT>(panels.size());
  for (std::size_t k = 0; k < panels.size(); ++k) {
    const Panel& p = panels[k];
    const PLFLT left = 0.05 + width * static_cast<PLFLT>(k);
    plvpor(left + 0.05, left + width - 0.02, 0.10, 0.83);
    plwind(p.x0, p.x1, p.y0, p.y1);
    plcol0(1);
    plschr(0, 0.8);
    plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    pllab("PC 1", "PC 2", p.title);
    plschr(0, 0.45);
    for (PLINT c = 0; c < 10; ++c) {
      const std::vector<PLFLT>& xs = p.x[c];
      plcol0(2 + c);
      if (!xs.empty()) plstring(static_cast<PLINT>(xs.size()), xs.data(), p.y[c].data(), "\u25CF");
    }
  }
  // legend: the ten classes, right of the panels
  plvpor(0.86, 0.99, 0.10, 0.83);
  plwind(0, 1, 0, 1);
  plschr(0, 0.75);
  for (PLINT c = 0; c < 10; ++c) {
    const PLFLT y = 0.95 - 0.1 * c, xm = 0.05;
    plcol0(2 + c);
    plstring(1, &xm, &y, "\u25CF");
    plcol0(1);
    plptex(0.12, y, 1, 0, 0, names[static_cast<std::size_t>(c)].c_str());
  }
  plvpor(0, 1, 0, 1);
  plwind(0, 1, 0, 1);
  plschr(0, 1.1);
  plptex(0.5, 0.955, 1, 0, 0.5, title);
}

}  // namespace

void plot_embeddings(const std::vector<std::pair<std::string, Tensor>>& panels,
                     const Tensor& labels, const std::string& png_path, const std::string& title) {
  MINIDL_CHECK(!panels.empty(), "plot_embeddings: no panel");
  std::vector<Panel> ps;
  for (const auto& [name, points] : panels) {
    MINIDL_CHECK(points.dim() == 2 && points.size(1) == 2 && points.size(0) == labels.numel() &&
                     points.size(0) > 0,
                 "plot_embeddings: points must be [N, 2] with N = ", labels.numel(), ", got ",
                 shape_str(points.shape()));
    Panel p{name.c_str(), {}, {}, INFINITY, -INFINITY, INFINITY, -INFINITY};
    const Tensor v = points.to(kFloat64);
    for (std::int64_t i = 0; i < points.size(0); ++i) {
      const PLFLT x = v.at(2 * i), y = v.at(2 * i + 1);
      const auto c = static_cast<std::int64_t>(labels.at(i));
      // Labels outside 0..9 were left out before as well (no colour of theirs was drawn).
      if (c >= 0 && c < 10) {
        p.x[c].push_back(x);
        p.y[c].push_back(y);
      }
      p.x0 = std::min(p.x0, x);
      p.x1 = std::max(p.x1, x);
      p.y0 = std::min(p.y0, y);
      p.y1 = std::max(p.y1, y);
    }
    const PLFLT px = std::max((p.x1 - p.x0) * 0.05, 1e-9),
                py = std::max((p.y1 - p.y0) * 0.05, 1e-9);
    p.x0 -= px;
    p.x1 += px;
    p.y0 -= py;
    p.y1 += py;
    ps.push_back(std::move(p));
  }
  train::render_png(
      png_path, "plot_embeddings", 600 * static_cast<int>(ps.size()) + 200, 620,
      [&] { draw_scatter(ps, title.c_str()); }, [] { plscmap0(kRed, kGreen, kBlue, 12); });
}

Variable mean_over_class_pairs(const Variable& embeddings, const Tensor& labels,
                               const PairLoss& pair_loss) {
  std::map<std::int64_t, std::vector<std::int64_t>> rows;  // class -> its rows, in batch order
  const std::vector<std::int64_t> y = labels.values<std::int64_t>();
  for (std::size_t i = 0; i < y.size(); ++i) rows[y[i]].push_back(static_cast<std::int64_t>(i));
  Variable total;
  std::int64_t groups = 0;
  for (std::size_t g = 0;; ++g, ++groups) {
    std::vector<std::int64_t> first, second;
    for (const auto& [label, r] : rows)
      if (r.size() >= 2 * g + 2) {
        first.push_back(r[2 * g]);
        second.push_back(r[2 * g + 1]);
      }
    if (first.size() < 2) break;
    const Variable l = pair_loss(index_select(embeddings, 0, from_vector(first)),
                                 index_select(embeddings, 0, from_vector(second)));
    total = total.defined() ? total + l : l;
  }
  MINIDL_CHECK(groups > 0, "mean_over_class_pairs: the batch has no two classes with a pair");
  return total / static_cast<double>(groups);
}

}  // namespace minidl::examples
