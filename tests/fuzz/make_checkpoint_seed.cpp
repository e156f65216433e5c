// Writes the checkpoint seed of checkpoint_fuzz (the same model, optimizer, scheduler and callback
// after one step and one epoch): make_checkpoint_seed <path>.
#include <cstdio>

#include "autograd/tape.h"
#include "nn/linear.h"
#include "optim/adam.h"
#include "optim/schedule.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "train/checkpoint.h"
#include "train/fit.h"

using namespace minidl;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_checkpoint_seed <path>\n");
    return 2;
  }
  Generator gen{1};
  nn::Linear model{3, 2, gen};
  optim::Adam opt{model.parameters()};
  optim::StepLR sched{opt, {.step_size = 2, .gamma = 0.5}};
  train::EarlyStopping es{{.restore_best_weights = true}};
  opt.zero_grad();
  backward(train::cross_entropy(model(Variable(randn({4, 3}, gen))),
                                from_vector(std::vector<std::int64_t>{0, 1, 1, 0}, {4})));
  opt.step();
  sched.step();
  train::TrainContext ctx{model};
  es.on_train_begin(ctx);
  es.on_epoch_end(ctx, 0, {{"val_loss", 0.5}});
  train::save_checkpoint(argv[1], {model, &opt, &sched, nullptr, {&es}}, 1);
  return 0;
}
