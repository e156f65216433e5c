// bench_detection: box_iou of 10k x 10k boxes and nms over 10k boxes against torchvision 0.14 on
// the same boxes in the same run (bench/torch_detection.py --serve, a coprocess started here),
// and the COCO AP evaluation of 5000 images (minidl alone; issue 12's target is <= 1 s).
//
// Boxes: seeded, 10k in a 1000 x 1000 image, sides 10-110, scores uniform; float32 on both sides.
// minidl runs with 2 threads (box_iou spreads rows over them; nms is sequential). The method is
// bench/harness.h's contest(): a unit is one call, torchvision's thread setting is chosen by its
// median over interleaved trial calls, then --reps calls of each side alternate; medians and
// quartiles of both. ratio = minidl / torchvision (< 1: minidl faster). The NMS results are
// compared too (same kept count). When `--python` cannot import torchvision (Debian:
// python3-torchvision, which scripts/setup.sh leaves out like python3-torch, since the tests never
// run Python; bench/run installs it) the bench says so and leaves the torchvision column empty.
//
// Usage: bench_detection [--json] [--quick] [--reps R] [--no-torch] [--python PATH]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/harness.h"
#include "metrics/boxes.h"
#include "metrics/detection.h"
#include "metrics/nms.h"
#include "tensor/parallel.h"
#include "tensor/random.h"
#include "tensor/tensor.h"

#ifndef MINIDL_SOURCE_DIR
#define MINIDL_SOURCE_DIR "."
#endif

namespace {

using minidl::Tensor;

struct Options {
  bool json = false, quick = false, torch = true;
  int reps = 3;
  std::string python = "/usr/bin/python3";
};

// The median seconds of one call after a warm-up, minidl alone (the COCO evaluation).
minidl::bench::Stats seconds_alone(const std::function<void()>& fn, int reps) {
  return minidl::bench::contest([&] { return minidl::bench::timed(fn); }, nullptr, {}, {0, reps})
      .mine;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--json")
      opt.json = true;
    else if (a == "--quick")
      opt.quick = true;
    else if (a == "--no-torch")
      opt.torch = false;
    else if (a == "--reps" && i + 1 < argc)
      opt.reps = std::atoi(argv[++i]);
    else if (a == "--python" && i + 1 < argc)
      opt.python = argv[++i];
    else if (a == "--only" && i + 1 < argc)
      ++i;  // bench/run passes it to every program
    else {
      std::fprintf(stderr,
                   "usage: bench_detection [--json] [--quick] [--reps R] [--no-torch] "
                   "[--python PATH]\n");
      return 2;
    }
  }
  const std::int64_t n = opt.quick ? 2000 : 10000;
  const std::int64_t images = opt.quick ? 1000 : 5000;
  minidl::set_num_threads(2);
  minidl::Generator gen(7);
  const Tensor xy = minidl::rand({n, 2}, gen, minidl::kFloat32, 0.0, 900.0);
  const Tensor wh = minidl::rand({n, 2}, gen, minidl::kFloat32, 10.0, 110.0);
  std::vector<float> bv(4 * n);
  for (std::int64_t i = 0; i < n; ++i) {
    bv[4 * i] = xy.data<float>()[2 * i], bv[4 * i + 1] = xy.data<float>()[2 * i + 1];
    bv[4 * i + 2] = bv[4 * i] + wh.data<float>()[2 * i];
    bv[4 * i + 3] = bv[4 * i + 1] + wh.data<float>()[2 * i + 1];
  }
  const Tensor boxes = minidl::from_vector(bv, {n, 4});
  const Tensor scores = minidl::rand({n}, gen, minidl::kFloat32);

  namespace bench = minidl::bench;
  if (opt.torch &&
      std::system((opt.python + " -c 'import torchvision' >/dev/null 2>&1").c_str()) != 0) {
    std::fprintf(stderr,
                 "bench_detection: %s cannot import torchvision (install Debian's "
                 "python3-torchvision: apt-get install python3-torchvision, or pass --python); "
                 "the torchvision column is left empty\n",
                 opt.python.c_str());
    opt.torch = false;
  }
  // torchvision's side reads the same boxes from a file.
  char path[] = "/tmp/minidl_bench_detection_XXXXXX";
  bench::Coprocess torch;
  if (opt.torch) {
    const int fd = mkstemp(path);
    if (fd >= 0) {
      close(fd);
      std::ofstream f(path, std::ios::binary);
      f.write(reinterpret_cast<const char*>(bv.data()),
              static_cast<std::streamsize>(bv.size() * 4));
      f.write(reinterpret_cast<const char*>(scores.data<float>()), n * 4);
      f.close();
      if (!torch.start({opt.python, std::string(MINIDL_SOURCE_DIR) + "/bench/torch_detection.py",
                        "--serve", "--data", path, "--n", std::to_string(n)},
                       "bench_detection"))
        std::fprintf(stderr, "bench_detection: bench/torch_detection.py failed; no reference\n");
      std::remove(path);  // read at start-up
    }
  }
  const bool ref = torch.running();
  const bench::ContestOptions co{opt.quick ? 2 : 3, opt.reps};
  auto row = [&](const std::string& name, const std::function<void()>& mine,
                 const std::string& unit_cmd) {
    const bench::Outcome o = bench::contest(
        [&] { return bench::timed(mine); },
        ref ? std::function<double()>([&] { return torch.call(unit_cmd); }) : nullptr,
        ref ? bench::torch_settings(torch) : std::vector<bench::Setting>{}, co);
    bench::Row r = bench::make_row(
        name, "ms", false, o, [](double s) { return 1e3 * s; },
        ref ? "torchvision (torch " + torch.version() + ", " + o.chosen + ")"
            : "torchvision (skipped)");
    if (!o.settings.empty())
      r.note = "torchvision trials, s/call, median [IQR]: " + o.settings_note("");
    return r;
  };
  std::vector<bench::Row> rows;
  const std::string sz = std::to_string(n / 1000) + "k";
  rows.push_back(row(
      "box_iou_" + sz + "x" + sz, [&] { (void)minidl::metrics::box_iou(boxes, boxes); },
      "box_iou 1"));
  std::int64_t kept = 0;
  rows.push_back(row(
      "nms_" + sz, [&] { kept = minidl::metrics::nms(boxes, scores, 0.5).numel(); }, "nms 1"));
  std::string nms_note = "float32, kept " + std::to_string(kept);
  if (ref) {
    const double t_kept = bench::json_field(torch.last_reply(), "kept");
    if (std::isfinite(t_kept) && static_cast<std::int64_t>(t_kept) != kept)
      nms_note += " (torchvision kept " + std::to_string(static_cast<std::int64_t>(t_kept)) + "!)";
  }
  rows.back().note = nms_note + (rows.back().note.empty() ? "" : "; " + rows.back().note);
  torch.stop();

  // COCO AP of `images` images, 3 ground truth and 10 detections each, 10 classes.
  std::vector<minidl::metrics::Detections> dets;
  std::vector<minidl::metrics::GroundTruth> gts;
  for (std::int64_t i = 0; i < images; ++i) {
    const Tensor g = boxes.narrow_rows((i * 3) % (n - 10), 3);
    const Tensor d = boxes.narrow_rows((i * 3 + 1) % (n - 10), 10);
    gts.push_back({g, minidl::randint(0, 10, {3}, gen)});
    dets.push_back({d, minidl::rand({10}, gen), minidl::randint(0, 10, {10}, gen)});
  }
  double ap = 0;
  bench::Row ap_row;
  ap_row.bench = "coco_ap_" + std::to_string(images) + "_images";
  ap_row.unit = "ms";
  ap_row.minidl =
      seconds_alone([&] { ap = minidl::metrics::coco_evaluate(dets, gts, 10).ap; }, opt.reps)
          .map([](double s) { return 1e3 * s; });
  ap_row.reference_name = "none (issue 12's target: <= 1000 ms)";
  char ap_note[64];
  std::snprintf(ap_note, sizeof ap_note, "10 classes, 3 gt + 10 dets per image (AP %.3f)", ap);
  ap_row.note = ap_note;
  rows.push_back(ap_row);

  if (!opt.json) bench::print_table_header();
  for (const bench::Row& r : rows) opt.json ? bench::print_json(r) : bench::print_table_row(r);
  return 0;
}
