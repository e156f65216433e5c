// box_loss_study: IoU, GIoU, DIoU, CIoU and Smooth L1 (on encoded deltas, as Fast R-CNN) train
// the same CNN localiser (examples/common/localiser.h) from the same initial weights, over 3
// seeds, and one table compares them: test mean IoU, AP@0.5 and AP@[.5:.95].
//
// Two starts. "centre": the reference box sits in the middle of the canvas, so most targets
// overlap the first predictions and every loss has a gradient. "corner": the reference box is a
// small square in the top-left corner, so most targets start disjoint from the prediction. The
// known result to look for (Rezatofighi et al. 2019; Zheng et al. 2020): there the plain IoU loss
// is flat (exactly 1, zero gradient) for every disjoint pair, while GIoU's enclosing-box term and
// DIoU's centre distance give every pair a gradient: the "zero grad" column measures it on the
// untrained model. The "corner mIoU" column shows what it costs after training; with one CNN
// shared by all canvases, the IoU loss still learns from the canvases that do overlap at first,
// so the cost can be small (the measured table is in the README's Detection section).
//
//   box_loss_study [--quick] [--epochs N] [--steps N] [--out DIR] [--seed S] [--data DIR]
//                  [--seeds K]
// --steps N: at most N steps per run (the cosine schedule fitted to N).
// Quick mode: 1 seed, 15 steps per run, the corner start for IoU and GIoU only. Writes
// <out>/study.json.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "autograd/functional.h"
#include "examples/common/localiser.h"
#include "losses/detection.h"
#include "losses/regression.h"

using namespace minidl;
using examples::BoxLossFn;

namespace {

struct Entry {
  std::string name;
  BoxLossFn loss;
};

std::vector<Entry> entries() {
  using losses::Reduction;
  auto iou_family = [](auto fn) -> BoxLossFn {
    return [fn](const Variable&, const Variable& boxes, const Tensor& t, const Tensor&) {
      return fn(boxes, Variable(t), {.reduction = Reduction::Mean});
    };
  };
  return {
      {"iou_loss", iou_family(losses::iou_loss)},
      {"generalized_box_iou_loss", iou_family(losses::generalized_box_iou_loss)},
      {"distance_box_iou_loss", iou_family(losses::distance_box_iou_loss)},
      {"complete_box_iou_loss", iou_family(losses::complete_box_iou_loss)},
      // Fast R-CNN: Smooth L1 (beta 1/9, as torchvision's ROI heads) on the encoded deltas,
      // summed over the 4 coordinates, averaged over the batch.
      {"smooth_l1_loss (deltas)",
       [](const Variable& deltas, const Variable&, const Tensor&, const Tensor& td) {
         return losses::smooth_l1_loss(deltas, Variable(td),
                                       {.beta = 1.0 / 9, .reduction = Reduction::Sum}) /
                static_cast<double>(td.shape()[0]);
       }},
  };
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "box_loss_study", .epochs = 8, .uses_fashion = true};
  std::int64_t seeds = 3;
  examples::Flags app{"minidl study: IoU, GIoU, DIoU, CIoU and Smooth L1 train one localiser"};
  examples::add_standard_flags(app, opt);
  app.add_option("--seeds", seeds, "number of seeds (seed, seed + 1, ...)")->capture_default_str();
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    if (opt.quick) seeds = 1;
    const std::int64_t epochs = opt.quick ? 1 : opt.epochs;
    const examples::LocaliserData d = examples::load_localiser_data(opt);
    const std::int64_t step_cap = opt.quick ? 15 : opt.steps;
    std::printf(
        "single-object set: %lld train / %lld test canvases; %lld epoch(s), at most %lld steps "
        "per run (0: no cap), %lld seed(s)\n",
        static_cast<long long>(d.train_images.shape()[0]),
        static_cast<long long>(d.test_images.shape()[0]), static_cast<long long>(epochs),
        static_cast<long long>(step_cap), static_cast<long long>(seeds));
    struct Row {
      std::vector<double> miou, ap50, ap, corner_miou;
      double before = 0, corner_before = 0, seconds = 0, zero_grad = 0;
    };
    std::map<std::string, Row> rows;
    const std::vector<Entry> all = entries();
    for (const Entry& e : all) {
      Row& row = rows[e.name];
      row.zero_grad =
          examples::zero_gradient_share(d, e.loss, {.seed = opt.seed, .corner_start = true});
      for (std::int64_t s = 0; s < seeds; ++s) {
        for (bool corner : {false, true}) {
          // Quick mode keeps the corner start for IoU and GIoU only, the pair it is about.
          if (corner && opt.quick && e.name != "iou_loss" && e.name != "generalized_box_iou_loss")
            continue;
          const examples::LocaliserResult r = examples::train_localiser(d, e.loss,
                                                                        {.epochs = epochs,
                                                                         .seed = opt.seed + s,
                                                                         .corner_start = corner,
                                                                         .verbose = false,
                                                                         .max_steps = step_cap});
          if (corner) {
            row.corner_miou.push_back(r.miou_after);
            row.corner_before = r.miou_before;
          } else {
            row.miou.push_back(r.miou_after);
            row.ap50.push_back(r.ap50_after);
            row.ap.push_back(r.ap_after);
            row.before = r.miou_before;
          }
          row.seconds += r.seconds;
        }
      }
      std::printf("  %-26s done (%.1f s)\n", e.name.c_str(), row.seconds);
    }
    std::printf("\n%-26s %-22s %8s %8s %8s %12s %10s\n", "loss", "mean IoU per seed", "mean IoU",
                "AP@0.5", "AP", "corner mIoU", "zero grad");
    std::string best;
    std::ofstream json_out;
    std::filesystem::create_directories(opt.out_dir);
    json_out.open(opt.out_dir + "/study.json.tmp");
    json_out << "{\"epochs\": " << epochs << ", \"seeds\": " << seeds << ", \"rows\": [";
    bool first = true;
    for (const Entry& e : all) {
      const Row& row = rows[e.name];
      std::string per_seed;
      for (double v : row.miou) {
        char b[16];
        std::snprintf(b, sizeof b, "%.3f ", v);
        per_seed += b;
      }
      char corner[16] = "-";
      if (!row.corner_miou.empty())
        std::snprintf(corner, sizeof corner, "%.3f", mean(row.corner_miou));
      std::printf("%-26s %-22s %8.3f %8.3f %8.3f %12s %9.1f%%\n", e.name.c_str(), per_seed.c_str(),
                  mean(row.miou), mean(row.ap50), mean(row.ap), corner, 100 * row.zero_grad);
      if (best.empty() || mean(row.miou) > mean(rows[best].miou)) best = e.name;
      json_out << (first ? "" : ", ") << "{\"loss\": \"" << e.name
               << "\", \"mean_iou\": " << mean(row.miou) << ", \"ap50\": " << mean(row.ap50)
               << ", \"ap\": " << mean(row.ap) << ", \"corner_mean_iou\": " << mean(row.corner_miou)
               << "}";
      first = false;
    }
    json_out << "]}\n";
    json_out.close();
    std::filesystem::rename(opt.out_dir + "/study.json.tmp", opt.out_dir + "/study.json");
    const Row& b = rows[best];
    std::printf(
        "untrained: mean IoU %.3f (centre start), %.3f (corner start)\n"
        "zero grad: the share of test canvases whose loss has exactly zero gradient at the\n"
        "corner start (untrained model): for iou_loss every canvas whose first box misses its\n"
        "target; GIoU's enclosing-box term and DIoU's centre distance give all of them a\n"
        "gradient. How much that costs after training is the corner mIoU column: the CNN's\n"
        "weights are shared, so iou_loss still learns from the canvases that do overlap.\n",
        b.before, b.corner_before);
    char detail[160];
    std::snprintf(detail, sizeof detail, "best %s; corner start: iou %.3f, giou %.3f", best.c_str(),
                  mean(rows["iou_loss"].corner_miou),
                  mean(rows["generalized_box_iou_loss"].corner_miou));
    return examples::report({.example = opt.name,
                             .loss = "",
                             .family = "detection",
                             .metric = "best mean IoU",
                             .before = b.before,
                             .after = mean(b.miou),
                             .higher_is_better = true,
                             .detail = detail},
                            opt);
  });
}
