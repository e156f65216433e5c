#include "nn/mc_predict.h"

#include <vector>

#include "autograd/tape.h"
#include "tensor/ops.h"

namespace minidl::nn {

McPrediction mc_predict(Module& model, const Tensor& x, const McPredictOptions& options) {
  MINIDL_CHECK(options.passes >= 1, "mc_predict: passes must be >= 1, got ", options.passes);
  // Each module's own flag (a model may keep a part in eval mode on purpose). named_modules lists
  // parents before children and train() recurses, so restoring in that order leaves each its own.
  std::vector<std::pair<Module*, bool>> modes;
  for (auto& [name, m] : model.named_modules()) modes.emplace_back(m, m->is_training());
  struct Restore {
    std::vector<std::pair<Module*, bool>>& modes;
    ~Restore() {
      for (auto& [m, on] : modes) m->train(on);
    }
  } restore{modes};
  NoGradGuard no_grad;
  model.train();
  McPrediction p;
  p.passes = options.passes;
  std::vector<double> mean, m2;
  Shape shape;
  for (std::int64_t t = 1; t <= options.passes; ++t) {
    Variable out = model(Variable(x));
    if (options.transform) out = options.transform(out);
    const std::vector<double> f = out.value().to_vector();
    if (t == 1) {
      shape = out.shape();
      mean.assign(f.size(), 0.0);
      m2.assign(f.size(), 0.0);
    }
    MINIDL_CHECK(out.shape() == shape, "mc_predict: pass ", t, " gave ", shape_str(out.shape()),
                 ", the first gave ", shape_str(shape));
    const double inv_t = 1.0 / static_cast<double>(t);
    for (std::size_t i = 0; i < f.size(); ++i) {
      const double d = f[i] - mean[i];
      mean[i] += d * inv_t;
      m2[i] += d * (f[i] - mean[i]);
    }
  }
  for (double& v : m2) v /= static_cast<double>(options.passes);
  p.mean = from_vector(mean, shape);
  p.var = from_vector(m2, shape);
  return p;
}

}  // namespace minidl::nn
