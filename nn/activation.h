// Activation layers: stateless wrappers over the autograd functions, with PyTorch's names and
// defaults. Shapes: any input, output of the same shape.
//
//   ReLU       max(x, 0)                               (gradient 0 at x = 0, as PyTorch)
//   LeakyReLU  x if x > 0 else a x                     a = negative_slope, default 0.01
//   ELU        x if x > 0 else alpha (e^x - 1)         alpha default 1
//   GELU       x Phi(x) = 0.5 x (1 + erf(x / sqrt 2))  (approximate = "none", the default)
//              0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))   (approximate = "tanh")
//   SiLU       x sigmoid(x)
//   Sigmoid    1 / (1 + e^-x)
//   Tanh       tanh(x)
//   Softmax    exp(x_i - max) / sum_j exp(x_j - max) along dim (default -1)
//   LogSoftmax x_i - max - log sum_j exp(x_j - max) along dim (default -1)
//   Identity   x (passes its input through, like PyTorch's nn.Identity)
#pragma once

#include <cstdint>
#include <string>

#include "nn/module.h"

namespace minidl::nn {

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01);
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  double negative_slope_;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0);
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  double alpha_;
};

class GELU : public Module {
 public:
  // approximate: "none" (exact, erf) or "tanh".
  explicit GELU(const std::string& approximate = "none");
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

 private:
  bool tanh_;
};

class SiLU : public Module {
 public:
  SiLU() : Module("SiLU") {}
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
};

class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim = -1) : Module("Softmax"), dim_(dim) {}
  Variable forward(const Variable& input) override;
  std::string extra_repr() const override;

 private:
  std::int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::int64_t dim = -1) : Module("LogSoftmax"), dim_(dim) {}
  Variable forward(const Variable& input) override;
  std::string extra_repr() const override;

 private:
  std::int64_t dim_;
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Variable forward(const Variable& input) override { return input; }
  bool samplewise() const override { return is_exactly(*this); }
};

}  // namespace minidl::nn
