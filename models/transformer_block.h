// The transformer block shared by the text encoder and the token transformer: pre-LayerNorm,
// multi-head self-attention with a fused QKV projection and an optional key/value cache, and a GELU
// MLP. libtorch 1.13 has no fused attention kernel, so attention is two matmuls and a softmax.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace jl::models {

// Keys and values of every position processed so far, one pair per layer, preallocated for the whole
// sequence: decoding appends in place, and speculative decoding rolls back by lowering `length`.
struct KVCache {
  std::vector<torch::Tensor> keys, values;  // [B, heads, capacity, head_dim]
  torch::Tensor key_padding;                // [B, capacity] bool: true = never attend (prompt padding)
  int64_t length = 0;                       // positions filled
  int64_t capacity() const { return key_padding.defined() ? key_padding.size(1) : 0; }
  int64_t batch() const { return key_padding.defined() ? key_padding.size(0) : 0; }
};

class TransformerBlockImpl : public torch::nn::Module {
 public:
  TransformerBlockImpl(int64_t dim, int64_t heads, int64_t mlp_dim);

  // x: [B, T, dim]. `mask`: additive attention bias broadcastable to [B, heads, T, S] (S = the keys
  // attended: T, or cache length + T), or undefined for none. With a cache, this block's keys and
  // values for the T new positions are written at [cache.length, cache.length + T) of layer `layer`;
  // the caller advances cache.length once every layer has run.
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask, KVCache* cache = nullptr, size_t layer = 0);

 private:
  int64_t heads_, head_dim_;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear qkv{nullptr}, proj{nullptr}, fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(TransformerBlock);

// The additive bias for `queries` new positions starting at absolute position `offset` over `keys`
// positions: -inf where a key is padding, and, when causal, where the key comes after the query.
// key_padding: [B, keys] bool. Returns [B, 1, queries, keys].
torch::Tensor attention_bias(const torch::Tensor& key_padding, int64_t queries, int64_t offset, bool causal);

}  // namespace jl::models
