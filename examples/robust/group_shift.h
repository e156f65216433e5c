// What the group-shift examples share (examples/robust/group_*.cpp and fairness_study.cpp): a
// Fashion-MNIST task with a synthetic group attribute correlated with the label, one training run
// per loss, and the group and fairness figures of the result.
//
// The task. Four upper-body classes, two against two: y = 1 for Coat and Shirt, y = 0 for
// T-shirt/top and Pullover (confusable pairs, so the images alone give ~85-90%).
// The group attribute a in {0, 1} is synthetic and visible: an image with a = 1 carries a
// 4 x 4 "watermark" of the brightest pixel value in its top-left corner (where the garments
// leave the background empty). In training a agrees with y for 95% of the images (the
// watermark is a shortcut for the label, as the background in Waterbirds, Sagawa et al. 2020);
// in the test set a is drawn independently of y with probability 1/2, so the four groups
// g = 2 y + a all have many test images. The two minority training groups are (y = 1, a = 0),
// coats and shirts without the mark, and (y = 0, a = 1), tops and pullovers with it.
// A model that leans on the mark fails on those groups: worst-group accuracy (Sagawa et al.'s
// metric) and the fairness gaps across a (metrics/fairness.h: TPR and FPR per value of a,
// demographic-parity and equalised-odds differences) show it.
//
// The losses: plain cross-entropy (ERM), group_reweighted_loss with the four training group
// counts, and group_dro_loss (GroupDro, q carried across steps). The labels the loader carries
// are the group ids g = 2 y + a; each loss reads y = g / 2 and a = g % 2 back from them.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/classification.h"
#include "losses/robust.h"
#include "metrics/classification.h"
#include "metrics/fairness.h"
#include "optim/adam.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "train/fit.h"

namespace minidl::examples {

constexpr std::int64_t kShiftGroups = 4;  // g = 2 y + a

struct GroupShiftData {
  Tensor x_train, g_train, x_test, g_test;  // images [N, 784]; group ids int64 [N]
  std::vector<double> train_counts;         // n_g, g = 0..3
};

// y = g / 2 and a = g % 2 of group ids g.
inline Tensor group_part(const Tensor& g, bool label) {
  Tensor out = empty(g.shape(), kInt64);
  for (std::int64_t i = 0; i < g.numel(); ++i)
    out.data<std::int64_t>()[i] =
        label ? g.data<std::int64_t>()[i] / 2 : g.data<std::int64_t>()[i] % 2;
  return out;
}

// The images of classes 0, 2, 4, 6 with their y, a watermark where a = 1, and g = 2 y + a;
// a agrees with y with probability `agree`.
inline std::pair<Tensor, Tensor> make_group_split(const Tensor& x, const Tensor& labels,
                                                  double agree, double mark, Generator& gen) {
  std::vector<std::int64_t> keep, groups;
  for (std::int64_t i = 0; i < labels.numel(); ++i) {
    const std::int64_t c = labels.data<std::int64_t>()[i];
    if (c != 0 && c != 2 && c != 4 && c != 6) continue;
    const std::int64_t y = c == 4 || c == 6;
    const std::int64_t a = gen.uniform() < agree ? y : 1 - y;
    keep.push_back(i);
    groups.push_back(2 * y + a);
  }
  Tensor xs = index_select(x, 0, from_vector(keep)).to(kFloat32);
  float* px = xs.data<float>();
  for (std::size_t k = 0; k < groups.size(); ++k) {
    if (groups[k] % 2 == 0) continue;
    for (std::int64_t r = 0; r < 4; ++r)
      for (std::int64_t c = 0; c < 4; ++c) px[k * 784 + r * 28 + c] = static_cast<float>(mark);
  }
  return {xs, from_vector(groups)};
}

inline GroupShiftData load_group_shift(const ExampleOptions& opt) {
  const Fashion f = load_fashion(opt, 8000, 4000);
  const double mark = amax(f.x_train).item();
  Generator gen(opt.seed + 1000);
  GroupShiftData d;
  std::tie(d.x_train, d.g_train) = make_group_split(f.x_train, f.y_train, 0.95, mark, gen);
  std::tie(d.x_test, d.g_test) = make_group_split(f.x_test, f.y_test, 0.5, mark, gen);
  d.train_counts.assign(kShiftGroups, 0.0);
  for (std::int64_t i = 0; i < d.g_train.numel(); ++i)
    d.train_counts[d.g_train.data<std::int64_t>()[i]] += 1;
  return d;
}

enum class GroupMethod { kErm, kReweight, kDro };

inline const char* method_name(GroupMethod m) {
  return m == GroupMethod::kErm        ? "ERM (cross_entropy)"
         : m == GroupMethod::kReweight ? "group_reweighted_loss"
                                       : "group_dro_loss";
}

struct GroupRun {
  std::int64_t epochs = 8;
  std::int64_t hidden = 128;
  double lr = 1e-3;
  double weight_decay = 0;
  double dro_step = 0.01;  // eta_q (Sagawa et al.'s default)
  std::uint64_t seed = 0;  // same seed: same initial weights and batch order for every loss
};

struct GroupScores {
  double average = 0, worst = 0;     // test accuracy over all images, worst of the 4 groups
  std::array<double, 4> by_group{};  // accuracy per g
  metrics::GroupRates fairness;      // across a (2 groups), positive class y = 1
};

inline GroupScores score_groups(const Tensor& logits, const GroupShiftData& d) {
  const Tensor y = group_part(d.g_test, true), a = group_part(d.g_test, false);
  GroupScores s;
  const metrics::GroupRates by_g = metrics::group_rates(logits, y, d.g_test, kShiftGroups);
  for (std::int64_t g = 0; g < kShiftGroups; ++g) s.by_group[g] = by_g.accuracy[g];
  s.worst = by_g.worst_group_accuracy;
  s.average = metrics::accuracy(logits, y);
  s.fairness = metrics::group_rates(logits, y, a, 2);
  return s;
}

// Trains a 784-hidden-2 MLP with `method`; `before` (if given) receives the untrained scores.
inline GroupScores train_group_model(GroupMethod method, const GroupShiftData& d,
                                     const GroupRun& run, GroupScores* before = nullptr) {
  Generator gen(run.seed);
  auto model = mlp({784, run.hidden, 2}, gen);
  if (before != nullptr) *before = score_groups(train::predict(*model, d.x_test), d);
  optim::Adam adam(model->parameters(), {.lr = run.lr, .weight_decay = run.weight_decay});
  data::DataLoader loader(d.x_train, d.g_train,
                          {.batch_size = 128, .shuffle = true, .seed = run.seed});
  losses::GroupDro dro(kShiftGroups, run.dro_step);
  const auto loss = [&](const Variable& logits, const Tensor& g) {
    const Variable y(group_part(g, true)), group(g);
    switch (method) {
      case GroupMethod::kErm:
        return losses::cross_entropy(logits, y);
      case GroupMethod::kReweight:
        return losses::group_reweighted_loss(logits, y, group, {.group_counts = d.train_counts});
      case GroupMethod::kDro:
        break;
    }
    return dro(logits, y, group);
  };
  train::fit(*model, adam, loader,
             {.epochs = run.epochs, .loss_fn = loss, .metrics = {}, .verbose = 0});
  return score_groups(train::predict(*model, d.x_test), d);
}

inline void print_group_header(const GroupShiftData& d) {
  std::printf(
      "train groups (y, a): (0,0) %.0f  (0,1) %.0f  (1,0) %.0f  (1,1) %.0f; %lld test images, "
      "a independent of y\n",
      d.train_counts[0], d.train_counts[1], d.train_counts[2], d.train_counts[3],
      static_cast<long long>(d.g_test.numel()));
  std::printf("%-22s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", "loss", "avg", "worst", "g00", "g01",
              "g10", "g11", "DP", "EO", "TPRgap");
}

inline void print_group_row(const char* name, const GroupScores& s) {
  const metrics::GroupRates& f = s.fairness;
  std::printf("%-22s %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f %7.4f\n", name, s.average,
              s.worst, s.by_group[0], s.by_group[1], s.by_group[2], s.by_group[3],
              f.demographic_parity_difference, f.equalized_odds_difference,
              std::abs(f.tpr[1] - f.tpr[0]));
}

// The whole program of a group loss's example (group_reweighted_loss, group_dro_loss): the
// standard flags (8 epochs in full mode, 3 in quick), ERM and the loss trained from the same
// seed, the rows of both, and the report of worst-group test accuracy, untrained -> trained.
inline int run_group_loss_example(int argc, char** argv, const char* loss, GroupMethod method) {
  ExampleOptions opt{.name = loss, .epochs = 8, .uses_fashion = true};
  Flags app{std::string("minidl example: ") + loss +
            " on Fashion-MNIST with a spurious group attribute"};
  add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return run(opt.name, [&] {
    const GroupShiftData d = load_group_shift(opt);
    const GroupRun group_run{.epochs = opt.quick ? 3 : opt.epochs, .seed = opt.seed};
    print_group_header(d);
    GroupScores before;
    const GroupScores erm = train_group_model(GroupMethod::kErm, d, group_run);
    const GroupScores ours = train_group_model(method, d, group_run, &before);
    print_group_row("untrained", before);
    print_group_row("ERM (cross_entropy)", erm);
    print_group_row(loss, ours);
    char detail[160];
    std::snprintf(detail, sizeof detail,
                  "worst-group accuracy %.3f (ERM %.3f), average %.3f (ERM %.3f)", ours.worst,
                  erm.worst, ours.average, erm.average);
    return report({.example = opt.name,
                   .loss = loss,
                   .family = "robust",
                   .metric = "worst-group test accuracy",
                   .before = before.worst,
                   .after = ours.worst,
                   .higher_is_better = true,
                   .detail = detail},
                  opt);
  });
}

}  // namespace minidl::examples
