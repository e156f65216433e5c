// kl_div example: knowledge distillation on Fashion-MNIST (Hinton, Vinyals, Dean 2015).
//
// A teacher MLP (784-256-256-10) is trained briefly on the labels. A much smaller student
// (784-16-10) then never sees a label: it learns from the teacher's softened predictions alone,
//   loss = T^2 kl_div(log_softmax(s / T), softmax(t / T), batchmean),   T = 2
// KL(teacher || student) is the natural loss here: the target is a whole distribution (how much
// a shirt looks like a T-shirt or a coat), not one class, and batchmean makes it the true KL per
// sample. T softens both distributions so the small probabilities ("dark knowledge") carry
// gradient; T^2 keeps the gradient scale independent of T. The metric is the student's test
// accuracy before and after distillation. Full mode also trains the same student on the labels
// for comparison: without a single label the distilled student comes within about a point of
// it (its ceiling is this briefly trained teacher, ~0.88).
//
//   kl_div [--quick] [--epochs N] [--out DIR] [--seed S] [--data DIR]
#include <cstdio>

#include "autograd/functional.h"
#include "data/loader.h"
#include "examples/common/example.h"
#include "examples/common/flags.h"
#include "losses/probabilistic.h"
#include "metrics/classification.h"
#include "optim/adam.h"
#include "train/fit.h"

using namespace minidl;

int main(int argc, char** argv) {
  examples::ExampleOptions opt{.name = "kl_div", .epochs = 8, .uses_fashion = true};
  examples::Flags app{
      "minidl example: kl_div, knowledge distillation of an MLP into a small student"};
  examples::add_standard_flags(app, opt);
  MINIDL_PARSE_FLAGS(app, argc, argv);
  return examples::run(opt.name, [&] {
    constexpr double kT = 2.0;
    const examples::Fashion f = examples::load_fashion(opt, 4000, 2000);
    const std::int64_t teacher_epochs = opt.quick ? 2 : 5;
    const std::int64_t epochs = opt.quick ? 2 : opt.epochs;
    Generator gen(opt.seed);

    auto teacher = examples::mlp({784, 256, 256, 10}, gen);
    optim::Adam teacher_opt(teacher->parameters(), {.lr = 1e-3});
    data::DataLoader labelled(f.x_train, f.y_train,
                              {.batch_size = 128, .shuffle = true, .seed = opt.seed});
    train::fit(*teacher, teacher_opt, labelled, {.epochs = teacher_epochs, .verbose = 0});
    const double teacher_acc = metrics::accuracy(train::predict(*teacher, f.x_test), f.y_test);

    // The teacher's logits on the training images become the student's only targets.
    const Tensor soft_targets = train::predict(*teacher, f.x_train);
    auto student = examples::mlp({784, 16, 10}, gen);
    const double before = metrics::accuracy(train::predict(*student, f.x_test), f.y_test);
    optim::Adam student_opt(student->parameters(), {.lr = 2e-3});
    data::DataLoader distil(f.x_train, soft_targets,
                            {.batch_size = 128, .shuffle = true, .seed = opt.seed + 1});
    train::fit(*student, student_opt, distil,
               {.epochs = epochs,
                .loss_fn =
                    [](const Variable& s, const Tensor& t) {
                      const Variable log_q = log_softmax(s / kT, 1);
                      const Variable p = softmax(Variable(t) / kT, 1);
                      return losses::kl_div(log_q, p, {.reduction = losses::Reduction::BatchMean}) *
                             (kT * kT);
                    },
                .metrics = {},
                .verbose = 0});
    const double after = metrics::accuracy(train::predict(*student, f.x_test), f.y_test);
    std::printf("teacher (784-256-256-10, %lld epochs on labels): test accuracy %.4f\n",
                static_cast<long long>(teacher_epochs), teacher_acc);
    std::printf(
        "student (784-16-10, %lld epochs on the teacher's soft targets, T = %.0f): "
        "test accuracy %.4f -> %.4f\n",
        static_cast<long long>(epochs), kT, before, after);
    if (!opt.quick) {
      // The same student trained on the labels instead, for comparison.
      Generator gen2(opt.seed);
      auto baseline = examples::mlp({784, 16, 10}, gen2);
      optim::Adam base_opt(baseline->parameters(), {.lr = 2e-3});
      train::fit(*baseline, base_opt, labelled, {.epochs = epochs, .verbose = 0});
      std::printf("the same student trained on the labels: test accuracy %.4f\n",
                  metrics::accuracy(train::predict(*baseline, f.x_test), f.y_test));
    }
    return examples::report({.example = opt.name,
                             .loss = "kl_div",
                             .family = "probabilistic",
                             .metric = "student test accuracy",
                             .before = before,
                             .after = after,
                             .higher_is_better = true},
                            opt);
  });
}
