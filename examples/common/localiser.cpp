// The box-loss examples' localiser (see localiser.h).
#include "examples/common/localiser.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "autograd/functional.h"
#include "autograd/ops.h"
#include "autograd/tape.h"
#include "data/fashion_mnist.h"
#include "metrics/boxes.h"
#include "metrics/detection.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/flatten.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/error.h"
#include "tensor/ops.h"
#include "train/box_plot.h"

namespace minidl::examples {
namespace {

constexpr std::int64_t kCanvas = 64;
const metrics::BoxCoder kCoder{.weights = {10, 10, 5, 5}};

Tensor reference_boxes(std::int64_t n, bool corner) {
  const std::vector<float> r =
      corner ? std::vector<float>{0, 0, 12, 12} : std::vector<float>{16, 16, 48, 48};
  std::vector<float> v;
  for (std::int64_t i = 0; i < n; ++i) v.insert(v.end(), r.begin(), r.end());
  return from_vector(v, {n, 4});
}

// The coder's decode in autograd ops (BoxCoder::decode's formula), so gradients reach the deltas.
Variable decode(const Variable& deltas, bool corner) {
  const double x1 = corner ? 0 : 16, size = corner ? 12 : 32;
  const double cx = x1 + size / 2;
  const auto col = [&](std::int64_t k) { return narrow(deltas, 1, k, 1); };
  const Variable pcx = col(0) / 10.0 * size + cx, pcy = col(1) / 10.0 * size + cx;
  const Variable pw = exp(clamp(col(2) / 5.0, std::nullopt, kCoder.bbox_xform_clip)) * size;
  const Variable ph = exp(clamp(col(3) / 5.0, std::nullopt, kCoder.bbox_xform_clip)) * size;
  return concat({pcx - 0.5 * pw, pcy - 0.5 * ph, pcx + 0.5 * pw, pcy + 0.5 * ph}, 1);
}

// A stride-2 first convolution and early pooling keep the cost at ~3 M multiply-adds per canvas.
std::shared_ptr<nn::Sequential> make_model(std::uint64_t seed) {
  Generator gen(seed);
  auto m = std::make_shared<nn::Sequential>();
  auto block = [&](std::int64_t in, std::int64_t out, std::int64_t stride) {
    m->add(std::make_shared<nn::Conv2d>(in, out, 3, gen,
                                        nn::Conv2dOptions{.stride = stride, .padding = 1}));
    m->add(std::make_shared<nn::BatchNorm2d>(out));
    m->add(std::make_shared<nn::ReLU>());
    m->add(std::make_shared<nn::MaxPool2d>(2));
  };
  block(1, 16, 2);   // 64 -> 32 -> 16
  block(16, 32, 1);  // 16 -> 8
  m->add(std::make_shared<nn::Conv2d>(32, 64, 3, gen, nn::Conv2dOptions{.padding = 1}));
  m->add(std::make_shared<nn::BatchNorm2d>(64));
  m->add(std::make_shared<nn::ReLU>());
  m->add(std::make_shared<nn::Flatten>());
  m->add(std::make_shared<nn::Linear>(64 * 8 * 8, 128, gen));
  m->add(std::make_shared<nn::ReLU>());
  m->add(std::make_shared<nn::Linear>(128, 4, gen));
  return m;
}

Tensor predict(nn::Sequential& model, const Tensor& images, bool corner) {
  NoGradGuard no_grad;
  model.eval();
  std::vector<Tensor> parts;
  const std::int64_t n = images.shape()[0];
  for (std::int64_t s = 0; s < n; s += 250) {
    const std::int64_t len = std::min<std::int64_t>(250, n - s);
    parts.push_back(decode(model(Variable(images.narrow_rows(s, len))), corner).value());
  }
  model.train();
  return concat(parts, 0);
}

struct Scores {
  double miou, ap50, ap;
};

Scores score(const Tensor& pred, const Tensor& target) {
  std::vector<metrics::Detections> dets;
  std::vector<metrics::GroundTruth> gts;
  const Tensor label = from_vector(std::vector<std::int64_t>{0}, {1});
  for (std::int64_t i = 0; i < pred.shape()[0]; ++i) {
    dets.push_back({pred.narrow_rows(i, 1), ones({1}), label});
    gts.push_back({target.narrow_rows(i, 1), label});
  }
  const metrics::CocoResult r = metrics::coco_evaluate(dets, gts, 1);
  return {metrics::mean_iou(pred, target), r.ap50, r.ap};
}

}  // namespace

LocaliserData load_localiser_data(const ExampleOptions& opt) {
  const std::string& dir = fashion_dir(opt);
  MINIDL_CHECK(data::fashion_mnist_available(dir), opt.name, ": Fashion-MNIST not found in ",
               data::fashion_mnist_dir(dir),
               " (install Debian's dataset-fashion-mnist, or pass --data / set "
               "MINIDL_FASHION_MNIST_DIR)");
  const std::int64_t limit = opt.quick ? 3000 : -1;  // source items
  const data::ImageSet train =
      data::load_fashion_mnist(data::Split::kTrain, {.dir = dir, .limit = limit});
  const data::ImageSet test =
      data::load_fashion_mnist(data::Split::kTest, {.dir = dir, .limit = limit});
  const data::DetectionSetOptions base{
      .canvas = kCanvas, .min_items = 1, .max_items = 1, .min_scale = 0.6, .max_scale = 1.4};
  data::DetectionSetOptions o = base;
  o.num_images = opt.quick ? 1500 : 12000;
  o.seed = 1000 + opt.seed;
  const data::DetectionSet tr = data::make_detection_set(train.images, train.labels, o);
  o.num_images = opt.quick ? 300 : 2000;
  o.seed = 2000 + opt.seed;
  LocaliserData d;
  d.test_set = data::make_detection_set(test.images, test.labels, o);
  d.train_images = tr.images;
  d.train_boxes = data::single_boxes(tr);
  d.test_images = d.test_set.images;
  d.test_boxes = data::single_boxes(d.test_set);
  return d;
}

LocaliserResult train_localiser(const LocaliserData& d, const BoxLossFn& loss,
                                const LocaliserOptions& o) {
  auto model = make_model(o.seed);
  LocaliserResult r;
  const Scores before = score(predict(*model, d.test_images, o.corner_start), d.test_boxes);
  r.miou_before = before.miou;
  r.ap50_before = before.ap50;
  const std::int64_t n = d.train_images.shape()[0];
  const std::int64_t batches = n / o.batch;
  optim::Adam opt(model->parameters(), {.lr = o.lr});
  const std::int64_t steps =
      o.max_steps > 0 ? std::min(o.max_steps, o.epochs * batches) : o.epochs * batches;
  optim::CosineAnnealingLR schedule(opt, {.t_max = steps});
  std::int64_t step = 0;
  Generator gen(o.seed + 17);
  const auto start = std::chrono::steady_clock::now();
  for (std::int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    const Tensor perm = permutation(n, gen);
    double total = 0;
    std::int64_t done = 0;
    for (std::int64_t b = 0; b < batches && step < steps; ++b, ++step, ++done) {
      const Tensor idx = perm.narrow_rows(b * o.batch, o.batch);
      const Tensor x = index_select(d.train_images, 0, idx);
      const Tensor target = index_select(d.train_boxes, 0, idx);
      const Tensor target_deltas = kCoder.encode(target, reference_boxes(o.batch, o.corner_start));
      const Variable deltas = (*model)(Variable(x));
      const Variable l = loss(deltas, decode(deltas, o.corner_start), target, target_deltas);
      opt.zero_grad();
      backward(l);
      opt.step();
      schedule.step();
      total += l.item();
    }
    if (o.verbose && done > 0)
      std::printf("  epoch %lld: train loss %.4f\n", static_cast<long long>(epoch + 1),
                  total / static_cast<double>(done));
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.test_pred = predict(*model, d.test_images, o.corner_start);
  const Scores after = score(r.test_pred, d.test_boxes);
  r.miou_after = after.miou;
  r.ap50_after = after.ap50;
  r.ap_after = after.ap;
  return r;
}

double zero_gradient_share(const LocaliserData& d, const BoxLossFn& loss,
                           const LocaliserOptions& o) {
  auto model = make_model(o.seed);
  model->eval();
  Tensor out;
  {
    NoGradGuard no_grad;
    out = (*model)(Variable(d.test_images)).value();
  }
  const Variable deltas(out, true);
  const std::int64_t n = out.shape()[0];
  const Tensor target_deltas = kCoder.encode(d.test_boxes, reference_boxes(n, o.corner_start));
  backward(loss(deltas, decode(deltas, o.corner_start), d.test_boxes, target_deltas));
  const std::vector<double> g = deltas.grad().value().to_vector();
  std::int64_t zero = 0;
  for (std::int64_t i = 0; i < n; ++i)
    zero += g[4 * i] == 0 && g[4 * i + 1] == 0 && g[4 * i + 2] == 0 && g[4 * i + 3] == 0;
  return static_cast<double>(zero) / static_cast<double>(n);
}

int run_localiser_example(int argc, char** argv, const std::string& loss_name,
                          const BoxLossFn& loss) {
  ExampleOptions opt{.name = loss_name, .epochs = 8, .uses_fashion = true};
  bool corner = false;
  Flags app{"minidl example: " + loss_name +
            " trains a CNN localiser on one Fashion-MNIST item per 64x64 canvas"};
  add_standard_flags(app, opt);
  app.add_flag("--corner", corner, "start from a reference box in the corner (mostly disjoint)");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return run(opt.name, [&] {
    const LocaliserData d = load_localiser_data(opt);
    std::printf("single-object set: %lld train / %lld test canvases of 64x64\n",
                static_cast<long long>(d.train_images.shape()[0]),
                static_cast<long long>(d.test_images.shape()[0]));
    const LocaliserResult r = train_localiser(
        d, loss, {.epochs = opt.quick ? 1 : opt.epochs, .seed = opt.seed, .corner_start = corner});
    std::printf("test mean IoU %.4f -> %.4f, AP@0.5 %.4f -> %.4f, AP@[.5:.95] %.4f (%.1f s)\n",
                r.miou_before, r.miou_after, r.ap50_before, r.ap50_after, r.ap_after, r.seconds);
    std::filesystem::create_directories(opt.out_dir);
    std::vector<train::BoxPanel> panels;
    for (std::int64_t i = 0; i < 8; ++i)
      panels.push_back({.image = d.test_images.narrow_rows(i, 1).reshape({1, kCanvas, kCanvas}),
                        .gt_boxes = d.test_boxes.narrow_rows(i, 1),
                        .pred_boxes = r.test_pred.narrow_rows(i, 1)});
    train::plot_boxes(panels, opt.out_dir + "/boxes.png",
                      {.columns = 4,
                       .panel_pixels = 200,
                       .class_names = {},
                       .title = loss_name + ": truth (green), prediction (red)"});
    char detail[160];
    std::snprintf(detail, sizeof detail, "AP@0.5 %.3f -> %.3f, AP@[.5:.95] %.3f", r.ap50_before,
                  r.ap50_after, r.ap_after);
    return report({.example = opt.name,
                   .loss = loss_name,
                   .family = "detection",
                   .metric = "mean IoU",
                   .before = r.miou_before,
                   .after = r.miou_after,
                   .higher_is_better = true,
                   .detail = detail,
                   .extras = {{"AP50 before", r.ap50_before},
                              {"AP50 after", r.ap50_after},
                              {"AP after", r.ap_after}}},
                  opt);
  });
}

}  // namespace minidl::examples
