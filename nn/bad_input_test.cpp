// Bad-input table for nn/ (issue 14): layers fed the wrong feature count, channels, rank, dtype,
// out-of-range indices; state dicts of the wrong shape. Each is a minidl::Error naming the layer.
#include "tests/bad_input.h"

#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/embedding.h"
#include "nn/linear.h"
#include "nn/safetensors.h"
#include "tensor/ops.h"
#include "tensor/random.h"

namespace minidl::nn {
namespace {

TEST_CASE("nn: bad inputs are minidl::Errors naming the layer") {
  Generator gen(1);
  Linear linear(4, 2, gen);
  Conv2d conv(3, 2, {3, 3}, gen);
  Embedding emb(5, 2, gen);
  BatchNorm1d bn(4);
  StateDict wrong = linear.state_dict();
  wrong.at("weight") = zeros({3, 3});
  testing::check_bad_inputs({
      {"linear features",
       [&] {
         linear(Variable(zeros({2, 5})));
       },
       "Linear"},
      {"linear int64 input",
       [&] {
         linear(Variable(zeros({2, 4}, kInt64)));
       },
       "int64"},
      {"conv channels",
       [&] {
         conv(Variable(zeros({1, 4, 8, 8})));
       },
       "Conv2d"},
      {"conv rank",
       [&] {
         conv(Variable(zeros({4, 8, 8})));
       },
       "Conv2d"},
      {"conv image smaller than kernel",
       [&] {
         conv(Variable(zeros({1, 3, 2, 2})));
       },
       "conv2d: kernel 3x3"},
      {"embedding index out of range",
       [&] {
         emb(Variable(from_vector(std::vector<std::int64_t>{0, 5}, {2})));
       },
       "Embedding"},
      {"embedding float index", [&] { emb(Variable(zeros({2}))); }, "Embedding"},
      {"batchnorm features",
       [&] {
         bn(Variable(zeros({3, 5})));
       },
       "BatchNorm1d"},
      {"batchnorm one sample in training",
       [&] {
         bn(Variable(zeros({1, 4})));
       },
       "BatchNorm1d"},
      {"state dict shape", [&] { linear.load_state_dict(wrong); }, "weight"},
      {"zero features", [&] { Linear(0, 2, gen); }, "Linear"},
      {"safetensors garbage", [&] { decode_safetensors("12345678", "g"); }, "safetensors: 'g'"},
  });
}

}  // namespace
}  // namespace minidl::nn
