#include "models/transformer_block.h"

#include <cmath>
#include <limits>

namespace jl::models {

TransformerBlockImpl::TransformerBlockImpl(int64_t dim, int64_t heads, int64_t mlp_dim)
    : heads_(heads), head_dim_(dim / heads) {
  TORCH_CHECK(dim % heads == 0, "TransformerBlock: dim ", dim, " is not a multiple of heads ", heads);
  norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
  proj = register_module("proj", torch::nn::Linear(dim, dim));
  norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
  fc1 = register_module("fc1", torch::nn::Linear(dim, mlp_dim));
  fc2 = register_module("fc2", torch::nn::Linear(mlp_dim, dim));
}

torch::Tensor TransformerBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& mask, KVCache* cache,
                                            size_t layer) {
  const int64_t b = x.size(0), t = x.size(1), dim = x.size(2);
  // [B, T, 3, heads, head_dim] -> three [B, heads, T, head_dim]
  const torch::Tensor parts = qkv(norm1(x)).view({b, t, 3, heads_, head_dim_}).permute({2, 0, 3, 1, 4});
  const torch::Tensor q = parts[0];
  torch::Tensor k = parts[1], v = parts[2];
  if (cache) {
    const int64_t start = cache->length;
    cache->keys[layer].narrow(2, start, t).copy_(k);
    cache->values[layer].narrow(2, start, t).copy_(v);
    k = cache->keys[layer].narrow(2, 0, start + t);
    v = cache->values[layer].narrow(2, 0, start + t);
  }
  torch::Tensor scores = torch::matmul(q, k.transpose(-2, -1)).mul_(1.0 / std::sqrt(double(head_dim_)));
  if (mask.defined()) scores = scores + mask;
  const torch::Tensor attended = torch::matmul(torch::softmax(scores, -1), v);
  torch::Tensor h = x + proj(attended.transpose(1, 2).reshape({b, t, dim}));
  return h + fc2(torch::gelu(fc1(norm2(h))));
}

torch::Tensor attention_bias(const torch::Tensor& key_padding, int64_t queries, int64_t offset, bool causal) {
  const int64_t keys = key_padding.size(1);
  const float neg_inf = -std::numeric_limits<float>::infinity();
  torch::Tensor blocked = key_padding.view({key_padding.size(0), 1, 1, keys});
  if (causal) {
    const torch::Tensor query_pos = torch::arange(offset, offset + queries, torch::kLong).view({queries, 1});
    const torch::Tensor key_pos = torch::arange(keys, torch::kLong).view({1, keys});
    blocked = blocked.logical_or(key_pos.gt(query_pos).view({1, 1, queries, keys}));
  }
  return torch::zeros(blocked.sizes(), torch::kFloat).masked_fill_(blocked, neg_inf);
}

}  // namespace jl::models
