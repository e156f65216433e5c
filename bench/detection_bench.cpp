// bench_detection: box_iou of 10k x 10k boxes and nms over 10k boxes against torchvision 0.14 on
// the same boxes in the same run (bench/torch_detection.py, started here), and the COCO AP
// evaluation of 5000 images (minidl alone; the target is <= 1 s).
//
// Boxes: seeded, 10k in a 1000 x 1000 image, sides 10-110, scores uniform; float32 on both sides.
// minidl runs with 2 threads (box_iou spreads rows over them; nms is sequential); torchvision with
// the faster of 1 and 2 intra-op threads. Each figure is the median of --reps runs after a
// warm-up. The ratio printed is torchvision's time / minidl's (> 1: minidl faster). The NMS
// results are compared too (same kept count). When `--python` cannot import torchvision (Debian:
// python3-torchvision, which scripts/setup.sh leaves out like python3-torch, since the tests never
// run Python) the bench says so and leaves the torchvision column empty.
//
// Usage: bench_detection [--json] [--quick] [--reps R] [--no-torch] [--python PATH]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

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
using Clock = std::chrono::steady_clock;

struct Options {
  bool json = false, quick = false, torch = true;
  int reps = 3;
  std::string python = "/usr/bin/python3";
};

double median_seconds(const std::function<void()>& fn, int reps) {
  fn();
  std::vector<double> t;
  for (int i = 0; i < reps; ++i) {
    const auto s = Clock::now();
    fn();
    t.push_back(std::chrono::duration<double>(Clock::now() - s).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

std::optional<std::string> run_capture(const std::string& cmd) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  while (std::size_t got = std::fread(buf, 1, sizeof buf, p)) out.append(buf, got);
  if (pclose(p) != 0) return std::nullopt;
  return out;
}

std::optional<double> json_field(const std::string& text, const std::string& key) {
  const std::regex re("\"" + key + "\":\\s*([-0-9.eE+]+)");
  std::smatch m;
  if (!std::regex_search(text, m, re)) return std::nullopt;
  return std::strtod(m[1].str().c_str(), nullptr);
}

struct Row {
  std::string name;
  double minidl_s;
  std::optional<double> torch_s;
  std::string note;
};

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

  std::vector<Row> rows;
  const double iou_s =
      median_seconds([&] { (void)minidl::metrics::box_iou(boxes, boxes); }, opt.reps);
  std::int64_t kept = 0;
  const double nms_s =
      median_seconds([&] { kept = minidl::metrics::nms(boxes, scores, 0.5).numel(); }, opt.reps);

  std::optional<double> t_iou, t_nms, t_kept;
  std::string threads_note;
  if (opt.torch &&
      std::system((opt.python + " -c 'import torchvision' >/dev/null 2>&1").c_str()) != 0) {
    std::fprintf(stderr,
                 "bench_detection: %s cannot import torchvision (install Debian's "
                 "python3-torchvision: apt-get install python3-torchvision, or pass --python); "
                 "the torchvision column is left empty\n",
                 opt.python.c_str());
    opt.torch = false;
  }
  if (opt.torch) {
    char path[] = "/tmp/minidl_bench_detection_XXXXXX";
    const int fd = mkstemp(path);
    if (fd >= 0) {
      close(fd);
      std::ofstream f(path, std::ios::binary);
      f.write(reinterpret_cast<const char*>(bv.data()),
              static_cast<std::streamsize>(bv.size() * 4));
      f.write(reinterpret_cast<const char*>(scores.data<float>()), n * 4);
      f.close();
      const std::string cmd = opt.python + " " + MINIDL_SOURCE_DIR +
                              "/bench/torch_detection.py --data " + path + " --n " +
                              std::to_string(n) + " --reps " + std::to_string(opt.reps);
      if (auto out = run_capture(cmd)) {
        t_iou = json_field(*out, "box_iou_seconds");
        t_nms = json_field(*out, "nms_seconds");
        t_kept = json_field(*out, "nms_kept");
        threads_note =
            " (torchvision threads: box_iou " +
            std::to_string(static_cast<int>(json_field(*out, "box_iou_threads").value_or(0))) +
            ", nms " +
            std::to_string(static_cast<int>(json_field(*out, "nms_threads").value_or(0))) + ")";
      } else {
        std::fprintf(stderr, "bench_detection: bench/torch_detection.py failed; no reference\n");
      }
      std::remove(path);
    }
  }
  const std::string sz = std::to_string(n / 1000) + "k";
  rows.push_back({"box_iou_" + sz + "x" + sz, iou_s, t_iou, "float32, 2 threads"});
  std::string nms_note = "float32, kept " + std::to_string(kept);
  if (t_kept && static_cast<std::int64_t>(*t_kept) != kept)
    nms_note += " (torchvision kept " + std::to_string(static_cast<std::int64_t>(*t_kept)) + "!)";
  rows.push_back({"nms_" + sz, nms_s, t_nms, nms_note});

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
  const double ap_s =
      median_seconds([&] { ap = minidl::metrics::coco_evaluate(dets, gts, 10).ap; }, opt.reps);
  char ap_note[64];
  std::snprintf(ap_note, sizeof ap_note, "10 classes, 3 gt + 10 dets per image (AP %.3f)", ap);
  rows.push_back({"coco_ap_" + std::to_string(images) + "_images", ap_s, std::nullopt, ap_note});

  if (!opt.json)
    std::printf("%-22s %12s %14s %8s  %s\n", "bench", "minidl ms", "torchvision ms", "ratio",
                "note");
  for (const Row& r : rows) {
    const double ratio = r.torch_s ? *r.torch_s / r.minidl_s : 0;
    if (opt.json) {
      std::printf(
          "{\"bench\": \"%s\", \"minidl_ms\": %.3f, \"torch_ms\": %s, \"ratio\": %s, \"note\": "
          "\"%s\"}\n",
          r.name.c_str(), 1e3 * r.minidl_s,
          r.torch_s ? std::to_string(1e3 * *r.torch_s).c_str() : "null",
          r.torch_s ? std::to_string(ratio).c_str() : "null", r.note.c_str());
    } else {
      std::printf("%-22s %12.2f %14s %8s  %s\n", r.name.c_str(), 1e3 * r.minidl_s,
                  r.torch_s ? std::to_string(1e3 * *r.torch_s).substr(0, 9).c_str() : "-",
                  r.torch_s ? std::to_string(ratio).substr(0, 5).c_str() : "-", r.note.c_str());
    }
  }
  if (!opt.json)
    std::printf("ratio = torchvision time / minidl time (> 1: minidl faster)%s\n",
                threads_note.c_str());
  return 0;
}
