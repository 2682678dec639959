#include "models/token_transformer.h"

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

void TokenTransformerConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("token transformer config: " + what);
  };
  require(vocab >= 2 && vocab <= 65536, "vocab must be in 2..65536");
  require(grid >= 1 && grid <= 64, "grid must be in 1..64");
  require(text_dim >= 1 && text_len >= 1 && text_len <= 256, "text_dim must be positive and text_len in 1..256");
  require(dim >= 8 && dim <= 4096 && layers >= 1 && layers <= 64, "dim must be in 8..4096 and layers in 1..64");
  require(heads >= 1 && dim % heads == 0, "dim must be a multiple of heads");
  require(mlp_ratio >= 1 && mlp_ratio <= 8, "mlp_ratio must be in 1..8");
}

void to_json(nlohmann::json& j, const TokenTransformerConfig& c) {
  j = {{"vocab", c.vocab},   {"grid", c.grid},     {"text_dim", c.text_dim},   {"text_len", c.text_len},
       {"dim", c.dim},       {"layers", c.layers}, {"heads", c.heads},         {"mlp_ratio", c.mlp_ratio},
       {"causal", c.causal}, {"relative_positions", c.relative_positions}};
}

void from_json(const nlohmann::json& j, TokenTransformerConfig& c) {
  j.at("vocab").get_to(c.vocab);
  j.at("grid").get_to(c.grid);
  j.at("text_dim").get_to(c.text_dim);
  j.at("text_len").get_to(c.text_len);
  j.at("dim").get_to(c.dim);
  j.at("layers").get_to(c.layers);
  j.at("heads").get_to(c.heads);
  j.at("mlp_ratio").get_to(c.mlp_ratio);
  j.at("causal").get_to(c.causal);
  c.relative_positions = j.value("relative_positions", false);
}

TokenTransformerImpl::TokenTransformerImpl(const TokenTransformerConfig& cfg) : config(cfg) {
  config.validate();
  const int64_t d = config.dim;
  text_proj = register_module("text_proj", torch::nn::Linear(config.text_dim, d));
  text_positions = register_parameter("text_positions", torch::randn({config.text_len, d}) * 0.02);
  rows = register_parameter("rows", torch::randn({config.grid, d}) * 0.02);
  cols = register_parameter("cols", torch::randn({config.grid, d}) * 0.02);
  token_embedding = register_module("token_embedding", torch::nn::Embedding(config.vocab + 1, d));
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.layers; ++i) blocks->push_back(TransformerBlock(d, config.heads, config.mlp_ratio * d));
  norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({d})));
  head = register_module("head", torch::nn::Linear(d, config.vocab));
  if (config.relative_positions) {
    const int64_t g = config.grid, span = 2 * g - 1;
    offset_bias = register_parameter("offset_bias", torch::zeros({config.heads, span * span}));
    const torch::Tensor position = torch::arange(g * g, torch::kLong);
    const torch::Tensor row = position.div(g, "floor"), col = position.remainder(g);
    const torch::Tensor d_row = row.view({-1, 1}) - row.view({1, -1}) + (g - 1);
    const torch::Tensor d_col = col.view({-1, 1}) - col.view({1, -1}) + (g - 1);
    offset_index = d_row * span + d_col;
  }

  // GPT-style initialisation: small weights everywhere, so the residual stream starts near the
  // embeddings and the first logits are near uniform.
  torch::NoGradGuard no_grad;
  for (auto& p : named_parameters()) {
    if (p.key().find("norm") != std::string::npos || p.key() == "offset_bias") continue;
    if (p.value().dim() >= 2)
      p.value().normal_(0, 0.02);
    else if (p.key().size() > 4 && p.key().compare(p.key().size() - 4, 4, "bias") == 0)
      p.value().zero_();
  }
}

torch::Tensor TokenTransformerImpl::embed_text(const torch::Tensor& text) {
  if (text.dim() != 3 || text.size(1) != config.text_len || text.size(2) != config.text_dim)
    throw Error("token transformer: expected text features [B, " + std::to_string(config.text_len) + ", " +
                std::to_string(config.text_dim) + "], got " + c10::str(text.sizes()) +
                " (was it trained with another text encoder?)");
  return text_proj(text) + text_positions.unsqueeze(0);
}

torch::Tensor TokenTransformerImpl::embed_image(const torch::Tensor& inputs, int64_t first_position) {
  const int64_t n = inputs.size(1);
  const torch::Tensor position = torch::arange(first_position, first_position + n, torch::kLong);
  const torch::Tensor where = rows.index_select(0, position.div(config.grid, "floor")) +
                              cols.index_select(0, position.remainder(config.grid));
  return token_embedding(inputs) + where.unsqueeze(0);
}

torch::Tensor TokenTransformerImpl::run(torch::Tensor x, const torch::Tensor& bias, KVCache* cache) {
  size_t layer = 0;
  for (const auto& block : *blocks) x = block->as<TransformerBlock>()->forward(x, bias, cache, layer++);
  if (cache) cache->length += x.size(1);
  return x;
}

torch::Tensor TokenTransformerImpl::position_bias(int64_t first, int64_t queries, int64_t keys) const {
  if (!config.relative_positions) return {};
  const int64_t image_keys = keys - config.text_len;
  const torch::Tensor index = offset_index.narrow(0, first, queries).narrow(1, 0, image_keys);
  const torch::Tensor image = offset_bias.index_select(1, index.reshape({-1})).view({config.heads, queries, image_keys});
  return torch::constant_pad_nd(image, {config.text_len, 0}).unsqueeze(0);
}

torch::Tensor TokenTransformerImpl::forward(const torch::Tensor& text, const torch::Tensor& padding,
                                            const torch::Tensor& tokens) {
  const int64_t b = tokens.size(0), n = config.image_tokens();
  if (tokens.dim() != 2 || tokens.size(1) != n)
    throw Error("token transformer: expected tokens [B, " + std::to_string(n) + "], got " + c10::str(tokens.sizes()));
  torch::Tensor inputs = tokens;
  if (config.causal)
    inputs = torch::cat({torch::full({b, 1}, config.special_token(), torch::kLong), tokens.narrow(1, 0, n - 1)}, 1);
  const torch::Tensor x = torch::cat({embed_text(text), embed_image(inputs, 0)}, 1);
  const torch::Tensor key_padding = torch::cat({padding, torch::zeros({b, n}, torch::kBool)}, 1);
  torch::Tensor bias = attention_bias(key_padding, x.size(1), 0, config.causal);
  if (config.relative_positions)  // the prompt's rows (queries) get no offset bias either
    bias = bias + torch::constant_pad_nd(position_bias(0, n, x.size(1)), {0, 0, config.text_len, 0});
  const torch::Tensor out = run(x, bias, nullptr).narrow(1, config.text_len, n);
  return head(norm(out));
}

KVCache TokenTransformerImpl::start(const torch::Tensor& text, const torch::Tensor& padding) {
  if (!config.causal) throw Error("token transformer: a MaskGIT model has no KV-cache decoding; use forward()");
  const int64_t b = text.size(0), capacity = config.text_len + config.image_tokens();
  const int64_t head_dim = config.dim / config.heads;
  KVCache cache;
  for (int i = 0; i < config.layers; ++i) {
    cache.keys.push_back(torch::empty({b, config.heads, capacity, head_dim}));
    cache.values.push_back(torch::empty({b, config.heads, capacity, head_dim}));
  }
  cache.key_padding = torch::cat({padding, torch::zeros({b, config.image_tokens()}, torch::kBool)}, 1);
  const torch::Tensor bias = attention_bias(cache.key_padding.narrow(1, 0, config.text_len), config.text_len, 0, true);
  run(embed_text(text), bias, &cache);
  return cache;
}

torch::Tensor TokenTransformerImpl::decode(KVCache& cache, const torch::Tensor& inputs) {
  const int64_t n = inputs.size(1), position = decoded(cache);
  if (position < 0 || position + n > config.image_tokens())
    throw Error("token transformer: decoding " + std::to_string(n) + " position(s) from image position " +
                std::to_string(position) + " runs past the " + std::to_string(config.image_tokens()) + " tokens");
  torch::Tensor bias =
      attention_bias(cache.key_padding.narrow(1, 0, cache.length + n), n, cache.length, /*causal=*/true);
  if (config.relative_positions) bias = bias + position_bias(position, n, cache.length + n);
  return head(norm(run(embed_image(inputs, position), bias, &cache)));
}

TokenTransformer load_token_transformer(const std::filesystem::path& path) {
  return load_model<TokenTransformer, TokenTransformerConfig>(path, kTokenTransformerModel);
}

}  // namespace jl::models
