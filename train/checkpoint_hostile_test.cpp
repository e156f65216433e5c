// Checkpoints holding impossible state (issue 14): each used to load silently. A negative Adam
// exp_avg_sq (NaN after resume), EarlyStopping best_weights of the wrong shape, wait = -100, an
// epoch count of 2^63-1 (a resumed fit ran zero epochs without a word). Each is now an error naming
// the file and the field, and the load is all or nothing.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>

#include "autograd/tape.h"
#include "nn/safetensors.h"
#include "optim/adam.h"
#include "tensor/file_util.h"
#include "train/checkpoint.h"
#include "train/fit.h"
#include "train/train_test_util.h"

namespace minidl::train {
namespace {

using test_support::TempDir;

struct Fixture {
  TempDir dir;
  std::shared_ptr<nn::Sequential> model = test_support::make_mlp(1);
  optim::Adam opt{model->parameters()};
  EarlyStopping es{{.restore_best_weights = true}};
  std::string path = dir.file("ck.safetensors");
  Fixture() {
    auto [x, y] = test_support::blobs(12, 3);
    opt.zero_grad();
    backward(cross_entropy((*model)(Variable(x)), y));
    opt.step();
    TrainContext ctx{*model};
    es.on_train_begin(ctx);
    es.on_epoch_end(ctx, 1, {{"val_loss", 1.0}});
    save_checkpoint(path, {*model, &opt, nullptr, nullptr, {&es}}, 1);
  }
  // The error of loading the checkpoint after `edit` changed its tensors (metadata kept).
  template <typename Edit>
  std::string error_after(Edit edit) {
    const std::string original = read_file(path);
    nn::SafetensorsContents c = nn::load_safetensors(path);
    edit(c.tensors, c.metadata);
    nn::save_safetensors(path, c.tensors, c.metadata);
    struct Restore {
      const std::string& path;
      const std::string& bytes;
      ~Restore() { write_file_atomic(path, bytes); }
    } restore{path, original};
    const nn::StateDict before = model->state_dict();
    try {
      load_checkpoint(path, {*model, &opt, nullptr, nullptr, {&es}});
    } catch (const Error& e) {
      CHECK(model->state_dict().at("0.weight").to_vector() == before.at("0.weight").to_vector());
      return e.what();
    }
    return "no error";
  }
};

TEST_CASE("checkpoint: a negative or NaN Adam moment is refused") {
  Fixture f;
  const std::string msg = f.error_after([](nn::StateDict& t, nn::Metadata&) {
    t.at("optimizer.state.0.0.exp_avg_sq").data<float>()[3] = -1.0f;
  });
  CHECK(msg.find("Adam.load_state_dict: 'state.0.0.exp_avg_sq' holds -1 at flat index 3 (must "
                 "be finite and >= 0)") != std::string::npos);
  CHECK(msg.find(f.path) != std::string::npos);
  CHECK(f.error_after([](nn::StateDict& t, nn::Metadata&) {
           t.at("optimizer.state.0.0.exp_avg").data<float>()[0] = std::nanf("");
         }).find("'state.0.0.exp_avg' holds nan at flat index 0 (must be finite)") !=
        std::string::npos);
}

TEST_CASE("checkpoint: EarlyStopping counters and best weights are validated against the model") {
  Fixture f;
  CHECK(f.error_after([](nn::StateDict& t, nn::Metadata&) {
           t.at("callback.early_stopping.wait") = optim::int_entry(-100);
         }).find("EarlyStopping::load_state_dict: negative counter (wait -100") !=
        std::string::npos);
  CHECK(f.error_after([](nn::StateDict& t, nn::Metadata&) {
           t.at("callback.early_stopping.best_weights.0.weight") = zeros({3, 3});
         })
            .find("callback.early_stopping.best_weights.0.weight is float32 [3,3], the model's is "
                  "float32 [16,8]") != std::string::npos);
  CHECK(f.error_after([](nn::StateDict& t, nn::Metadata&) {
           t["callback.early_stopping.best_weights.ghost"] = zeros({1});
         }).find("callback.early_stopping.best_weights.ghost is not in the model") !=
        std::string::npos);
}

TEST_CASE("checkpoint: an epoch count out of range or unlike the metadata is refused") {
  Fixture f;
  constexpr std::int64_t kHuge = std::numeric_limits<std::int64_t>::max();
  CHECK(f.error_after([](nn::StateDict& t, nn::Metadata& m) {
           t.at("train.epoch").data<std::int64_t>()[0] = kHuge;
           m["epoch"] = std::to_string(kHuge);
         }).find("epoch count 9223372036854775807 out of range [0, 2147483648]") !=
        std::string::npos);
  CHECK(f.error_after([](nn::StateDict& t, nn::Metadata& m) {
           t.at("train.epoch").data<std::int64_t>()[0] = 7;
           m["epoch"] = "1";
         }).find("train.epoch 7 differs from the metadata's epoch \"1\"") != std::string::npos);
}

}  // namespace
}  // namespace minidl::train
