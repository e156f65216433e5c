// Links single minidl layers (minidl::nn, minidl::optim) and includes single headers: the
// installed and the add_subdirectory include trees both give <minidl/<layer>/<header>.h>.
// Compiled with -march=native: minidl's targets add -mno-avx512f for GCC < 13 (GCC 12.2 turns
// std::vector<double>{1, 1, 0, 0} into 1 1 1 1 with AVX-512), which the first check sees.
#include <minidl/autograd/functional.h>
#include <minidl/autograd/tape.h>
#include <minidl/nn/linear.h>
#include <minidl/optim/sgd.h>
#include <minidl/tensor/ops.h>
#include <minidl/tensor/random.h>

#include <cstdio>
#include <vector>

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13 && defined(__AVX512F__)
#error "minidl's targets should have added -mno-avx512f for GCC < 13"
#endif

using namespace minidl;

int main() {
  std::vector<double> constants{1, 1, 0, 0};
  if (constants[2] != 0 || constants[3] != 0) {
    std::printf("miscompiled: {1, 1, 0, 0} reads %g %g %g %g\n", constants[0], constants[1],
                constants[2], constants[3]);
    return 1;
  }
  // Least squares for y = 2 x - 1 by plain SGD on one Linear layer.
  Generator gen(0);
  Tensor x = rand({64, 1}, gen, kFloat32, -1.0, 1.0);
  Variable y(add(mul(x, 2.0), -1.0));
  nn::Linear fc(1, 1, gen);
  optim::SGD sgd(fc.parameters(), {.lr = 0.1});
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    sgd.zero_grad();
    Variable loss = mean(square(sub(fc(Variable(x)), y)));
    backward(loss);
    sgd.step();
    (step == 0 ? first : last) = loss.item();
  }
  std::printf("layers: mse %.5f -> %.5f, w %.4f, b %.4f\n", first, last, fc.weight().value().item(),
              fc.bias().value().item());
  return last < 1e-4 ? 0 : 1;
}
