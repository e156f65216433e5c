// PyTorch reference values for the layers: outputs, input and parameter gradients, running
// statistics after training steps, eval outputs, and state_dict names.
//
// tests/fixtures/nn_layers.json is written by tests/fixtures/make_nn_fixtures.py (run by hand
// with Debian's python3-torch; see its docstring) and committed, so this test never runs Python.
// Each case describes a layer with PyTorch's argument names; build() makes the same layer in
// minidl, converts it to float64 and loads PyTorch's state_dict with strict load_state_dict, so
// the weights are PyTorch's and every name must match PyTorch's exactly. Then the case is
// replayed: pre-steps in training mode, the checked pass (in the case's mode) with a weighted-sum
// backward, the state afterwards, and the eval output.
#include <doctest/doctest.h>

#include <array>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>
#include <string>

#include "autograd/functional.h"
#include "autograd/tape.h"
#include "nn/activation.h"
#include "nn/batchnorm.h"
#include "nn/conv2d.h"
#include "nn/conv_transpose2d.h"
#include "nn/embedding.h"
#include "nn/flatten.h"
#include "nn/layernorm.h"
#include "nn/linear.h"
#include "nn/pooling.h"
#include "nn/sequential.h"
#include "nn/spectral_norm.h"
#include "nn/upsample.h"
#include "tests/test_util.h"

namespace minidl::nn {
namespace {

using nlohmann::json;

// Both sides are float64 and a few roundings deep; BatchNorm's variance and the conv GEMMs add
// a little, still far below any real discrepancy.
constexpr double kRtol = 1e-9;
constexpr double kAtol = 1e-11;

Tensor decode(const json& j) {
  // from_vector makes a 1-D tensor; the reshape gives 0-d ones (num_batches_tracked) their shape.
  Shape shape = j.at("shape").get<Shape>();
  const json& data = j.at("data");
  Shape flat = {static_cast<std::int64_t>(data.size())};
  if (j.at("dtype").get<std::string>() == "int64")
    return from_vector(data.get<std::vector<std::int64_t>>(), flat).reshape(shape);
  return from_vector(data.get<std::vector<double>>(), flat).reshape(shape);
}

Size2 size2(const json& j) {
  auto v = j.get<std::vector<std::int64_t>>();
  if (v.size() != 2) throw std::runtime_error("bad fixture: expected a pair, got " + j.dump());
  return {v[0], v[1]};
}

std::shared_ptr<Module> build(const json& s, Generator& gen) {
  const std::string type = s.at("type").get<std::string>();
  if (type == "Sequential") {
    auto seq = std::make_shared<Sequential>();
    for (const json& child : s.at("layers")) seq->push_back(build(child, gen));
    return seq;
  }
  if (type == "Linear")
    return std::make_shared<Linear>(s.at("in_features").get<std::int64_t>(),
                                    s.at("out_features").get<std::int64_t>(), gen,
                                    LinearOptions{.bias = s.at("bias").get<bool>()});
  if (type == "Conv2d")
    return std::make_shared<Conv2d>(s.at("in_channels").get<std::int64_t>(),
                                    s.at("out_channels").get<std::int64_t>(),
                                    size2(s.at("kernel_size")), gen,
                                    Conv2dOptions{.stride = size2(s.at("stride")),
                                                  .padding = size2(s.at("padding")),
                                                  .dilation = size2(s.at("dilation")),
                                                  .groups = s.at("groups").get<std::int64_t>(),
                                                  .bias = s.at("bias").get<bool>()});
  if (type == "ConvTranspose2d")
    return std::make_shared<ConvTranspose2d>(
        s.at("in_channels").get<std::int64_t>(), s.at("out_channels").get<std::int64_t>(),
        size2(s.at("kernel_size")), gen,
        ConvTranspose2dOptions{.stride = size2(s.at("stride")),
                               .padding = size2(s.at("padding")),
                               .output_padding = size2(s.at("output_padding")),
                               .groups = s.at("groups").get<std::int64_t>(),
                               .bias = s.at("bias").get<bool>(),
                               .dilation = size2(s.at("dilation"))});
  if (type == "Upsample") {
    UpsampleOptions o;
    if (!s.at("size").is_null()) {
      const Size2 v = size2(s.at("size"));
      o.size = std::array<std::int64_t, 2>{v.h, v.w};
    }
    if (!s.at("scale_factor").is_null()) {
      auto v = s.at("scale_factor").get<std::vector<double>>();
      if (v.size() != 2) throw std::runtime_error("bad fixture: scale_factor " + s.dump());
      o.scale_factor = std::array<double, 2>{v[0], v[1]};
    }
    o.mode = upsample_mode_from_name(s.at("mode").get<std::string>());
    if (!s.at("align_corners").is_null()) o.align_corners = s.at("align_corners").get<bool>();
    return std::make_shared<Upsample>(o);
  }
  if (type == "SpectralNorm")
    return std::make_shared<SpectralNorm>(
        build(s.at("module"), gen), gen,
        SpectralNormOptions{.n_power_iterations = s.at("n_power_iterations").get<std::int64_t>(),
                            .eps = s.at("eps").get<double>(),
                            .dim = s.at("dim").get<std::int64_t>()});
  if (type == "MaxPool2d")
    return std::make_shared<MaxPool2d>(
        size2(s.at("kernel_size")), MaxPool2dOptions{.stride = size2(s.at("stride")),
                                                     .padding = size2(s.at("padding")),
                                                     .dilation = size2(s.at("dilation")),
                                                     .ceil_mode = s.at("ceil_mode").get<bool>()});
  if (type == "AvgPool2d")
    return std::make_shared<AvgPool2d>(
        size2(s.at("kernel_size")),
        AvgPool2dOptions{.stride = size2(s.at("stride")),
                         .padding = size2(s.at("padding")),
                         .ceil_mode = s.at("ceil_mode").get<bool>(),
                         .count_include_pad = s.at("count_include_pad").get<bool>()});
  if (type == "GlobalAvgPool2d") return std::make_shared<GlobalAvgPool2d>();
  if (type == "Flatten")
    return std::make_shared<Flatten>(s.at("start_dim").get<std::int64_t>(),
                                     s.at("end_dim").get<std::int64_t>());
  if (type == "Unflatten")
    return std::make_shared<Unflatten>(s.at("dim").get<std::int64_t>(),
                                       s.at("unflattened_size").get<Shape>());
  if (type == "BatchNorm1d" || type == "BatchNorm2d") {
    BatchNormOptions o{.eps = s.at("eps").get<double>(),
                       .momentum = s.at("momentum").is_null()
                                       ? std::nullopt
                                       : std::optional<double>(s.at("momentum").get<double>()),
                       .affine = s.at("affine").get<bool>(),
                       .track_running_stats = s.at("track_running_stats").get<bool>()};
    std::int64_t c = s.at("num_features").get<std::int64_t>();
    if (type == "BatchNorm1d") return std::make_shared<BatchNorm1d>(c, o);
    return std::make_shared<BatchNorm2d>(c, o);
  }
  if (type == "LayerNorm")
    return std::make_shared<LayerNorm>(
        s.at("normalized_shape").get<Shape>(),
        LayerNormOptions{.eps = s.at("eps").get<double>(),
                         .elementwise_affine = s.at("elementwise_affine").get<bool>()});
  if (type == "Embedding") {
    EmbeddingOptions o;
    if (!s.at("padding_idx").is_null()) o.padding_idx = s.at("padding_idx").get<std::int64_t>();
    return std::make_shared<Embedding>(s.at("num_embeddings").get<std::int64_t>(),
                                       s.at("embedding_dim").get<std::int64_t>(), gen, o);
  }
  if (type == "ReLU") return std::make_shared<ReLU>();
  if (type == "LeakyReLU") return std::make_shared<LeakyReLU>(s.at("negative_slope").get<double>());
  if (type == "ELU") return std::make_shared<ELU>(s.at("alpha").get<double>());
  if (type == "GELU") return std::make_shared<GELU>(s.at("approximate").get<std::string>());
  if (type == "SiLU") return std::make_shared<SiLU>();
  if (type == "Sigmoid") return std::make_shared<Sigmoid>();
  if (type == "Tanh") return std::make_shared<Tanh>();
  if (type == "Softmax") return std::make_shared<Softmax>(s.at("dim").get<std::int64_t>());
  if (type == "LogSoftmax") return std::make_shared<LogSoftmax>(s.at("dim").get<std::int64_t>());
  if (type == "Identity") return std::make_shared<Identity>();
  throw std::runtime_error("bad fixture: no minidl layer for type " + type);
}

StateDict decode_state(const json& j) {
  StateDict out;
  for (auto it = j.begin(); it != j.end(); ++it) out[it.key()] = decode(it.value());
  return out;
}

void run_case(const json& c) {
  Generator gen(0);
  std::shared_ptr<Module> m = build(c.at("layer"), gen);
  m->to(kFloat64);
  // Strict: the names, shapes and dtypes of the whole state_dict must be PyTorch's.
  m->load_state_dict(decode_state(c.at("state")));

  m->train(true);
  {
    NoGradGuard no_grad;
    for (const json& p : c.at("pre_inputs")) (*m)(Variable(decode(p)));
  }
  m->train(c.at("train").get<bool>());
  Tensor xt = decode(c.at("input"));
  Variable x(xt, is_floating(xt.dtype()));
  Variable out = (*m)(x);
  CHECK_TENSOR_CLOSE(out.value(), decode(c.at("output")), kRtol, kAtol);
  backward(sum(mul(out, Variable(decode(c.at("weights"))))));
  if (!c.at("grad_input").is_null()) {
    REQUIRE(x.grad().defined());
    CHECK_TENSOR_CLOSE(x.grad().value(), decode(c.at("grad_input")), kRtol, kAtol);
  }
  const json& grads = c.at("grads");
  CHECK(grads.size() == m->named_parameters().size());
  for (auto& [name, p] : m->named_parameters()) {
    CAPTURE(name);
    REQUIRE(grads.contains(name));
    REQUIRE(p.grad().defined());
    CHECK_TENSOR_CLOSE(p.grad().value(), decode(grads.at(name)), kRtol, kAtol);
  }
  StateDict after = m->state_dict();
  StateDict want = decode_state(c.at("state_after"));
  REQUIRE(after.size() == want.size());
  for (const auto& [name, t] : want) {
    CAPTURE(name);
    REQUIRE(after.count(name) == 1);
    CHECK_TENSOR_CLOSE(after.at(name), t, kRtol, kAtol);
  }
  if (!c.at("eval_output").is_null()) {
    m->eval();
    NoGradGuard no_grad;
    CHECK_TENSOR_CLOSE((*m)(x).value(), decode(c.at("eval_output")), kRtol, kAtol);
  }
}

json load_cases() {
  std::ifstream f(std::string(MINIDL_FIXTURE_DIR) + "/nn_layers.json");
  REQUIRE_MESSAGE(f.good(), "missing tests/fixtures/nn_layers.json (make_nn_fixtures.py)");
  return json::parse(f);
}

TEST_CASE("nn reference: every layer matches PyTorch") {
  json cases = load_cases();
  std::set<std::string> types;
  for (const json& c : cases) {
    std::string name = c.at("name").get<std::string>();
    CAPTURE(name);
    types.insert(c.at("layer").at("type").get<std::string>());
    try {
      run_case(c);
    } catch (const std::exception& e) {
      FAIL_CHECK(name << ": " << std::string(e.what()));
    }
  }
  // Every layer type of the issue is covered (Dropout's masks cannot match PyTorch's RNG).
  for (const char* t : {"Linear",  "Conv2d",      "MaxPool2d",   "AvgPool2d",  "GlobalAvgPool2d",
                        "Flatten", "BatchNorm1d", "BatchNorm2d", "LayerNorm",  "Embedding",
                        "ReLU",    "LeakyReLU",   "ELU",         "GELU",       "SiLU",
                        "Sigmoid", "Tanh",        "Softmax",     "LogSoftmax", "Sequential",
                        "Identity"})
    CHECK_MESSAGE(types.count(t) == 1, "no fixture case for ", t);
  // The layers GAN generators need.
  for (const char* t : {"ConvTranspose2d", "Upsample", "SpectralNorm", "Unflatten"})
    CHECK_MESSAGE(types.count(t) == 1, "no fixture case for ", t);
}

}  // namespace
}  // namespace minidl::nn
