// Dropout: inverted dropout (PyTorch's nn.Dropout).
//
//   training: y = x * m / (1 - p),  m_i ~ Bernoulli(1 - p) independently   (p = 1: y = 0)
//   eval:     y = x
// Scaling at training time keeps E[y] = x, so evaluation needs no rescaling. The masks come from
// a Generator owned by the layer (seeded at construction: an explicit seed, one draw from the
// model's generator, or the process-wide seed sequence), so a
// run is reproducible; the generator is registered under "generator" so a checkpoint can save
// and restore its state (Module::generator_states) for an exact resume.
#pragma once

#include <cstdint>
#include <string>

#include "nn/module.h"

namespace minidl::nn {

class Dropout : public Module {
 public:
  // p in [0, 1]: the probability of zeroing an element. Without a seed the layer takes the next
  // seed of the process-wide sequence (manual_seed in tensor/random.h), so two Dropout(p) layers
  // never draw the same masks, and a program that calls manual_seed first is reproducible.
  explicit Dropout(double p = 0.5);
  Dropout(double p, std::uint64_t seed);
  // Seeded with one draw from gen, so the dropout layers of one model get different streams.
  Dropout(double p, Generator& gen);

  Variable forward(const Variable& input) override;
  std::string extra_repr() const override;

  double p() const { return p_; }
  Generator& generator() { return gen_; }

 private:
  double p_;
  Generator gen_;
};

}  // namespace minidl::nn
