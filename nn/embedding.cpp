#include "nn/embedding.h"

#include "autograd/functional.h"
#include "nn/init.h"
#include "tensor/ops.h"

namespace minidl::nn {

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim, Generator& gen,
                     const EmbeddingOptions& options)
    : Module("Embedding"), num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {
  MINIDL_CHECK(num_embeddings > 0 && embedding_dim > 0, "Embedding: num_embeddings (",
               num_embeddings, ") and embedding_dim (", embedding_dim, ") must be positive");
  if (options.padding_idx) {
    std::int64_t p = *options.padding_idx;
    MINIDL_CHECK(p >= -num_embeddings && p < num_embeddings, "Embedding: padding_idx ", p,
                 " is out of range for ", num_embeddings, " embeddings");
    padding_idx_ = p < 0 ? p + num_embeddings : p;
  }
  weight_ = &register_parameter("weight", empty({num_embeddings, embedding_dim}));
  init::normal_(weight_->value(), gen);
  // The padding row starts at zero (a view of that row, filled in place).
  if (padding_idx_) weight_->value().narrow_rows(*padding_idx_, 1).fill_(0.0);
}

Variable Embedding::forward(const Variable& input) {
  MINIDL_CHECK(input.dtype() == kInt64, "Embedding: indices must be int64, got ",
               dtype_name(input.dtype()));
  const Tensor& idx = input.value();
  Tensor flat = idx.reshape({idx.numel()});
  if (flat.numel() > 0) {
    auto lo = static_cast<std::int64_t>(amin(flat).item());
    auto hi = static_cast<std::int64_t>(amax(flat).item());
    MINIDL_CHECK(lo >= 0 && hi < num_embeddings_, "Embedding: index ", lo < 0 ? lo : hi,
                 " is out of range for ", num_embeddings_, " embeddings (valid: 0 to ",
                 num_embeddings_ - 1, ")");
  }
  Variable rows = index_select(*weight_, 0, flat);
  if (padding_idx_) {
    // Padding positions read the row but pass no gradient to it.
    Tensor is_pad = unsqueeze(eq(flat, static_cast<double>(*padding_idx_)), 1);
    rows = where(is_pad, Variable(index_select(weight_->value(), 0, flat)), rows);
  }
  Shape out_shape = idx.shape();
  out_shape.push_back(embedding_dim_);
  return reshape(rows, out_shape);
}

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_);
  if (padding_idx_) s += ", padding_idx=" + std::to_string(*padding_idx_);
  return s;
}

}  // namespace minidl::nn
