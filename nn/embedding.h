// Embedding: a lookup table of num_embeddings vectors of size embedding_dim (PyTorch's
// nn.Embedding).
//
//   indices int64 [*] -> y [*, embedding_dim],  y[i...] = weight[indices[i...]]
//   weight [num_embeddings, embedding_dim], default init N(0, 1)
// The gradient is index_select's adjoint: rows are scattered back with index_add, so a repeated
// index accumulates. padding_idx (optional; negative counts from the end, as in PyTorch): that
// row starts at zero and never receives a gradient. An index outside [0, num_embeddings) is an
// error naming it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nn/module.h"

namespace minidl::nn {

struct EmbeddingOptions {
  std::optional<std::int64_t> padding_idx = std::nullopt;
};

class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Generator& gen,
            const EmbeddingOptions& options = {});

  // input: an int64 Variable of indices (any shape).
  Variable forward(const Variable& input) override;
  bool samplewise() const override { return is_exactly(*this); }
  std::string extra_repr() const override;

  std::int64_t num_embeddings() const { return num_embeddings_; }
  std::int64_t embedding_dim() const { return embedding_dim_; }
  std::optional<std::int64_t> padding_idx() const { return padding_idx_; }
  Variable weight() const { return *weight_; }

 private:
  std::int64_t num_embeddings_, embedding_dim_;
  std::optional<std::int64_t> padding_idx_;
  Variable* weight_ = nullptr;
};

}  // namespace minidl::nn
