// TokenTransformer: the network behind the token generators. Input is the prompt's text features as a
// prefix, followed by one position per image token (16x16 for the default tokenizer), each with a
// learned row and column embedding (and, with relative_positions, an attention bias per grid offset).
// Two variants share the code:
// - causal (autoregressive): the image position p reads token p-1 (a [BOS] at p = 0) and predicts
//   token p; decoding keeps a KV cache, so each new token costs one position's work;
// - bidirectional (MaskGIT): the image positions read the tokens, [MASK] where unknown, and predict
//   every position at once.
// It knows nothing of sampling: pipelines choose tokens from its logits.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "models/transformer_block.h"

namespace jl::models {

struct TokenTransformerConfig {
  int vocab = 1024;     // the tokenizer's codebook size
  int grid = 16;        // tokens per side
  int text_dim = 128;   // the text encoder's feature size
  int text_len = 20;    // the text encoder's max_words
  int dim = 256;
  int layers = 8;
  int heads = 8;
  int mlp_ratio = 4;
  bool causal = true;   // autoregressive; false: MaskGIT
  // A learned attention bias per head for each (row, column) offset between two image tokens, shared
  // by every layer: attention that is the same everywhere on the grid, so a shape learnt in one
  // place is drawn in every place. Checkpoints from before it existed lack the field (false).
  bool relative_positions = false;
  void validate() const;

  int64_t image_tokens() const { return int64_t(grid) * grid; }
  int64_t special_token() const { return vocab; }  // [BOS] for causal models, [MASK] for MaskGIT
};
// JSON with every field required (a checkpoint config missing one is an error naming it), except
// relative_positions, which older checkpoints lack.
void to_json(nlohmann::json& j, const TokenTransformerConfig& config);
void from_json(const nlohmann::json& j, TokenTransformerConfig& config);

class TokenTransformerImpl : public torch::nn::Module {
 public:
  explicit TokenTransformerImpl(const TokenTransformerConfig& config);

  // Every image position at once (training, and MaskGIT sampling). text: [B, text_len, text_dim],
  // padding: [B, text_len] bool. tokens: [B, grid*grid]; for a causal model the tokens to predict
  // (shifted right inside), for MaskGIT the known tokens with special_token() where masked.
  // Returns logits [B, grid*grid, vocab].
  torch::Tensor forward(const torch::Tensor& text, const torch::Tensor& padding, const torch::Tensor& tokens);

  // Causal decoding. start() allocates a cache for the whole sequence and runs the prompt prefix;
  // decode() runs `inputs` [B, n] at the next n image positions ([BOS] = special_token() first, then
  // the chosen tokens) and returns their logits [B, n, vocab]: the prediction of the token at each
  // of those positions. Rolling back is lowering cache.length (never below text_len).
  KVCache start(const torch::Tensor& text, const torch::Tensor& padding);
  torch::Tensor decode(KVCache& cache, const torch::Tensor& inputs);
  // Image positions already run through the cache.
  int64_t decoded(const KVCache& cache) const { return cache.length - config.text_len; }

  // The attention bias that `queries` image positions from `first` give every key of a sequence of
  // `keys` positions (the prompt's, then image positions from 0): zero towards the prompt, the learnt
  // offset bias between image positions. [1, heads, queries, keys]; undefined without
  // relative_positions.
  torch::Tensor position_bias(int64_t first, int64_t queries, int64_t keys) const;

  TokenTransformerConfig config;

 private:
  torch::Tensor embed_text(const torch::Tensor& text);
  torch::Tensor embed_image(const torch::Tensor& inputs, int64_t first_position);
  torch::Tensor run(torch::Tensor x, const torch::Tensor& bias, KVCache* cache);

  torch::nn::Linear text_proj{nullptr};
  torch::Tensor text_positions, rows, cols;
  torch::Tensor offset_bias;    // [heads, (2 grid - 1)^2], relative_positions only
  torch::Tensor offset_index;   // [grid^2, grid^2] long: the offset_bias column of each image pair
  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::ModuleList blocks{nullptr};
  torch::nn::LayerNorm norm{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TokenTransformer);

inline constexpr const char* kTokenTransformerModel = "token_transformer";

// Builds the model a checkpoint describes and loads it strictly (eval mode).
TokenTransformer load_token_transformer(const std::filesystem::path& path);

}  // namespace jl::models
