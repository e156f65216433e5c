// A small network learns y = sin(x): a model, a loss, an optimizer, a fit.
#include <minidl/minidl.h>

#include <cstdio>

using namespace minidl;

int main() {
  Generator gen(0);  // every random draw is seeded: each run gives the same numbers
  Tensor x = rand({512, 1}, gen, kFloat32, -3.0, 3.0);
  Tensor y = sin(x);
  nn::Sequential model(std::make_shared<nn::Linear>(1, 32, gen), std::make_shared<nn::Tanh>(),
                       std::make_shared<nn::Linear>(32, 1, gen));
  optim::Adam optimizer(model.parameters(), {.lr = 0.01});
  data::DataLoader loader(x, y, {.batch_size = 32, .shuffle = true, .seed = 1});
  train::History history =
      train::fit(model, optimizer, loader,
                 {.epochs = 60, .loss_fn = losses::mse_loss, .metrics = {}, .verbose = 0});
  std::printf("mse %.4f -> %.4f\n", history.loss().front(), history.loss().back());
  return history.loss().back() < 0.01 ? 0 : 1;  // exit 1: it did not learn
}
