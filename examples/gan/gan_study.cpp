// gan_study: every GAN objective on the 8-Gaussian ring and the 25-Gaussian grid, three seeds.
//
// Each run trains the same model (G and D ReLU MLPs 2-128-128-{2, 1}) with one objective and its
// documented defaults (examples/common/gan_toy.cpp: Adam(1e-3, (0.5, 0.999)) and batch 256 for
// the sigmoid, hinge, LSGAN and relativistic objectives; WGAN with RMSprop(5e-5), clip 0.01 and
// n_critic 5; WGAN-GP with lambda 0.1 and n_critic 5; non_saturating and WGAN-GP sampled from
// the EMA of G with a linear lr decay over the second half), for each objective's own number of
// generator steps (5000; non_saturating 12000, wgan_gp 8000) or --steps for all, and measures 2000
// samples: modes covered (>= 1% of the samples within 0.1 of a centre) and high-quality samples
// (within 0.1 of some centre), plus ms per generator step.
//
// Prints one table (objective x toy: modes covered per seed, mean high-quality %, ms/step),
// writes it to <out>/study.json and draws <out>/study.png: the final samples of seed 0 for every
// objective (columns) on each toy (rows). The check reported to the tour: mean modes covered on
// the ring at initialisation ("before") against the best objective's mean ("after").
//
//   gan_study [--quick] [--steps N] [--seeds K] [--objectives a,b,...] [--out DIR] [--seed S]
// --objectives runs only those rows (e.g. "non_saturating,wgan" after changing their defaults).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "examples/common/flags.h"
#include "examples/common/gan_toy.h"
#include "tensor/file_util.h"
#include "train/gan/sample_plot.h"

using namespace minidl;
using train::gan::Objective;

namespace {

struct Cell {
  std::vector<std::int64_t> modes;  // per seed
  std::vector<double> hq;           // per seed
  std::int64_t modes_total = 0;
  double high_quality = 0, ms_per_step = 0, modes_before = 0;  // means over seeds
  Tensor samples;                                              // seed 0's
};

}  // namespace

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "gan_study", .budget = examples::Budget::kSteps};
  std::int64_t seeds = 3;
  examples::Flags app{"minidl study: every GAN objective on the ring and the grid"};
  examples::add_standard_flags(app, opt);
  std::string only;
  app.add_option("--seeds", seeds, "seeds per objective and toy")->capture_default_str();
  app.add_option("--objectives", only, "comma-separated objective names (default: all)");
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    // 0: each objective's default (gan_toy_defaults).
    const std::int64_t steps = opt.steps > 0 ? opt.steps : (opt.quick ? 300 : 0);
    const std::int64_t n_seeds = opt.quick ? 1 : seeds;
    const std::vector<data::Toy2d> toys =
        opt.quick ? std::vector{data::Toy2d::kRing8}
                  : std::vector{data::Toy2d::kRing8, data::Toy2d::kGrid25};
    std::vector<Objective> objectives;
    for (std::size_t start = 0; start < only.size();) {
      const std::size_t comma = std::min(only.find(',', start), only.size());
      objectives.push_back(train::gan::parse_objective(only.substr(start, comma - start)));
      start = comma + 1;
    }
    if (objectives.empty()) objectives = train::gan::all_objectives();
    std::filesystem::create_directories(opt.out_dir);
    std::printf("%s generator steps per run, %lld seed(s), batch 256, MLPs 2-128-128-{2,1}\n",
                steps > 0 ? std::to_string(steps).c_str() : "each objective's default",
                static_cast<long long>(n_seeds));
    std::printf("%-15s %-7s %6s %-16s %8s %-18s %9s\n", "objective", "toy", "steps",
                "modes per seed", "HQ %", "HQ % per seed", "ms/step");
    nlohmann::json rows = nlohmann::json::array();
    std::vector<train::gan::Panel> panels;
    double ring_before = 0, best_after = -1;
    int ring_runs = 0;
    for (data::Toy2d toy : toys) {
      for (Objective obj : objectives) {
        Cell cell;
        std::int64_t cell_steps = 0;
        for (std::int64_t s = 0; s < n_seeds; ++s) {
          examples::GanToyConfig c = examples::gan_toy_defaults(obj);
          c.toy = toy;
          if (steps > 0) c.steps = steps;
          c.seed = opt.seed + static_cast<std::uint64_t>(s);
          const examples::GanToyResult r = examples::train_gan_toy(c);
          cell.modes.push_back(r.after.modes_covered);
          cell.hq.push_back(r.after.high_quality);
          cell.modes_total = r.after.modes_total;
          cell.high_quality += r.after.high_quality / static_cast<double>(n_seeds);
          cell.ms_per_step += r.ms_per_step / static_cast<double>(n_seeds);
          cell.modes_before +=
              static_cast<double>(r.before.modes_covered) / static_cast<double>(n_seeds);
          if (s == 0) cell.samples = r.samples;
          cell_steps = c.steps;
        }
        std::string per_seed;
        double mean_modes = 0;
        for (std::int64_t m : cell.modes) {
          per_seed += (per_seed.empty() ? "" : " ") + std::to_string(m);
          mean_modes += static_cast<double>(m) / static_cast<double>(n_seeds);
        }
        per_seed += " /" + std::to_string(cell.modes_total);
        std::string hq_seed;
        for (double h : cell.hq) {
          char b[16];
          std::snprintf(b, sizeof b, "%s%.1f", hq_seed.empty() ? "" : " ", 100 * h);
          hq_seed += b;
        }
        std::printf("%-15s %-7s %6lld %-16s %8.1f %-18s %9.3f\n", train::gan::objective_name(obj),
                    data::toy2d_name(toy), static_cast<long long>(cell_steps), per_seed.c_str(),
                    100 * cell.high_quality, hq_seed.c_str(), cell.ms_per_step);
        std::fflush(stdout);
        rows.push_back({{"objective", train::gan::objective_name(obj)},
                        {"toy", data::toy2d_name(toy)},
                        {"modes_covered", cell.modes},
                        {"modes_total", cell.modes_total},
                        {"steps", cell_steps},
                        {"high_quality", cell.high_quality},
                        {"high_quality_per_seed", cell.hq},
                        {"ms_per_step", cell.ms_per_step}});
        panels.push_back(
            {.fake = cell.samples,
             .centres = data::toy2d_modes(toy),
             .title = std::string(train::gan::objective_name(obj)) + " " + data::toy2d_name(toy)});
        if (toy == data::Toy2d::kRing8) {
          ring_before += cell.modes_before;
          ++ring_runs;
          best_after = std::max(best_after, mean_modes);
        }
      }
    }
    ring_before /= std::max(1, ring_runs);
    write_file_atomic(opt.out_dir + "/study.json",
                      nlohmann::json{{"steps", steps}, {"seeds", n_seeds}, {"rows", rows}}.dump(1));
    train::gan::plot_samples(panels, opt.out_dir + "/study.png",
                             {.columns = static_cast<int>(objectives.size()),
                              .panel_pixels = 300,
                              .title = "final samples, seed " + std::to_string(opt.seed)});
    std::printf("table: %s/study.json, samples: %s/study.png\n", opt.out_dir.c_str(),
                opt.out_dir.c_str());
    return examples::report({.example = opt.name,
                             .loss = "",
                             .family = "gan",
                             .metric = "ring modes covered, init -> best objective (mean)",
                             .before = ring_before,
                             .after = best_after,
                             .higher_is_better = true},
                            opt);
  });
}
