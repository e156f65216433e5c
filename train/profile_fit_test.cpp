// The profiler on real training: the Fashion CNN's step recorded op for op as the tape has it,
// and fit()'s step, loss, backward and optimizer scopes once per batch. Structural checks only
// (counts and nesting), never durations.
#include <doctest/doctest.h>

#include <map>
#include <set>
#include <string>

#include "autograd/profiler.h"
#include "autograd/scope.h"
#include "autograd/tape.h"
#include "losses/classification.h"
#include "optim/sgd.h"
#include "tensor/ops.h"
#include "tensor/random.h"
#include "train/fashion_classifier.h"
#include "train/fit.h"
#include "train/train_test_util.h"

using namespace minidl;

TEST_CASE("profiler: the Fashion CNN's step records one forward and one backward per tape node") {
  Generator gen(3);
  auto model = train::fashion_cnn(gen, 0.3);
  model->train();
  const Tensor x = randn({2, 1, 28, 28}, gen);
  const Tensor y = from_vector(std::vector<std::int64_t>{3, 7});
  Profiler prof;
  Variable loss;
  {
    const Variable logits = (*model)(Variable(x));
    NameScope scope("loss");
    loss = losses::cross_entropy(logits, Variable(y));
  }
  std::map<std::string, std::int64_t> tape;
  for (const TapeNode& n : tape_nodes()) ++tape[n.op];
  REQUIRE(tape.count("addmm"));   // fc1, fc2: one node per Linear
  REQUIRE(tape.count("conv2d"));  // one fused node per convolution (autograd/conv_ops.cpp)
  REQUIRE(tape.count("max_pool2d"));
  backward(loss);
  const ProfileReport rep = prof.report();
  std::map<std::string, std::int64_t> fwd, bwd;
  for (const auto& r : rep.rows) {
    CHECK(r.untimed == 0);
    if (r.kind == ProfileKind::kForward) fwd[r.name] = r.taped;
    if (r.kind == ProfileKind::kBackward) bwd[r.name] = r.calls;
  }
  // Forward calls that recorded no node (the batch norms' running statistics) are counted in
  // calls, not in taped.
  std::set<std::string> ops;
  for (const auto* m : {&fwd, &bwd, &tape})
    for (const auto& [op, n] : *m) ops.insert(op);
  std::string diff;  // "op: taped forward/backward vs tape" for every op that differs
  for (const std::string& op : ops)
    if (fwd[op] != tape[op] || bwd[op] != tape[op])
      diff += op + ": " + std::to_string(fwd[op]) + "/" + std::to_string(bwd[op]) + " vs " +
              std::to_string(tape[op]) + "; ";
  CHECK_MESSAGE(diff.empty(), diff);
  CHECK(rep.find("conv2d", ProfileKind::kForward)->calls == 2);  // both convolutions
  CHECK(rep.find("max_pool2d", ProfileKind::kForward)->calls == 2);
  CHECK(rep.calls("conv2d", ProfileKind::kScope) == 2);
  CHECK(rep.calls("max_pool2d", ProfileKind::kScope) == 2);
  CHECK(rep.calls("loss", ProfileKind::kScope) == 1);
  CHECK(rep.calls("backward", ProfileKind::kScope) == 1);
  const ProfileRow* conv = rep.find("conv2d", ProfileKind::kScope);
  REQUIRE(conv);
  // Two convolutions: 2 N O (H W) C kH kW with N = 2, 28x28 then 14x14 outputs.
  CHECK(conv->flops == 2.0 * 2 * (32 * 784 * 1 * 9 + 64 * 196 * 32 * 9));
}

TEST_CASE("profiler: fit opens a training step, its loss, backward and optimizer per batch") {
  auto model = train::test_support::make_mlp(1, 0.0);
  optim::SGD opt(model->parameters(), {.lr = 0.1});
  auto [x, y] = train::test_support::blobs(30, 2);
  data::DataLoader loader(x, y, {.batch_size = 10});
  Profiler prof;
  train::fit(*model, opt, loader, {.epochs = 2, .verbose = 0});
  const ProfileReport rep = prof.report();
  CHECK(rep.calls("train_step", ProfileKind::kStep) == 6);
  CHECK(rep.calls("loss", ProfileKind::kScope) == 6);
  CHECK(rep.calls("backward", ProfileKind::kScope) == 6);
  CHECK(rep.calls("optimizer", ProfileKind::kScope) == 6);
  // Three Linear layers per step; the two followed by a ReLU run as addmm_relu nodes
  // (nn::Sequential), the last as addmm: one forward and one backward of each per layer.
  CHECK(rep.calls("addmm_relu", ProfileKind::kForward) == 12);
  CHECK(rep.calls("addmm_relu", ProfileKind::kBackward) == 12);
  CHECK(rep.calls("addmm", ProfileKind::kForward) == 6);
  CHECK(rep.calls("addmm", ProfileKind::kBackward) == 6);
  CHECK(rep.calls("relu", ProfileKind::kForward) == 0);
  const ProfileRow* step = rep.find("train_step", ProfileKind::kStep);
  REQUIRE(step);
  CHECK(step->self_ms <= step->total_ms);
  CHECK(format_profile(rep).find("6 training steps") != std::string::npos);
}
