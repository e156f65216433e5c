#include "examples/common/attribute_fit.h"

#include "data/loader.h"
#include "examples/common/fashion_attributes.h"
#include "optim/adam.h"

namespace minidl::examples {

AttributeFit fit_attribute_mlp(const ExampleOptions& opt, const Fashion& f,
                               const Tensor& train_targets, const train::LossFn& loss,
                               const AttributeMetrics& metrics) {
  AttributeFit r;
  r.epochs = opt.quick ? 2 : opt.epochs;
  r.k = static_cast<std::int64_t>(fashion_attributes().size());
  Generator gen(opt.seed);
  auto model = mlp({784, 128, r.k}, gen);
  optim::Adam adam(model->parameters(), {.lr = 1e-3});
  data::DataLoader loader(f.x_train, train_targets,
                          {.batch_size = 64, .shuffle = true, .seed = opt.seed});
  r.before = metrics(train::predict(*model, f.x_test));
  train::fit(*model, adam, loader,
             {.epochs = r.epochs, .loss_fn = loss, .metrics = {}, .verbose = 0});
  r.after = metrics(train::predict(*model, f.x_test));
  return r;
}

}  // namespace minidl::examples
