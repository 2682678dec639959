#include "models/feature_draft.h"

#include "core/error.h"
#include "models/checkpoint.h"

namespace jl::models {

void FeatureDraftConfig::validate() const {
  auto require = [](bool ok, const std::string& what) {
    if (!ok) throw Error("feature draft config: " + what);
  };
  require(vocab >= 2 && vocab <= 65536, "vocab must be in 2..65536");
  require(grid >= 1 && grid <= 64, "grid must be in 1..64");
  require(dim >= 8 && dim <= 4096 && layers >= 1 && layers <= 8, "dim must be in 8..4096 and layers in 1..8");
  require(heads >= 1 && dim % heads == 0, "dim must be a multiple of heads");
  require(mlp_ratio >= 1 && mlp_ratio <= 8, "mlp_ratio must be in 1..8");
}

FeatureDraftImpl::FeatureDraftImpl(const FeatureDraftConfig& cfg) : config(cfg) {
  config.validate();
  const int64_t d = config.dim;
  token_embedding = register_module("token_embedding", torch::nn::Embedding(config.vocab + 1, d));
  fuse = register_module("fuse", torch::nn::Linear(2 * d, d));
  rows = register_parameter("rows", torch::randn({config.grid, d}) * 0.02);
  cols = register_parameter("cols", torch::randn({config.grid, d}) * 0.02);
  blocks = register_module("blocks", torch::nn::ModuleList());
  for (int i = 0; i < config.layers; ++i) blocks->push_back(TransformerBlock(d, config.heads, config.mlp_ratio * d));
  torch::NoGradGuard no_grad;
  token_embedding->weight.normal_(0, 0.02);
}

torch::Tensor FeatureDraftImpl::run(const torch::Tensor& previous, const torch::Tensor& inputs, int64_t first,
                                    KVCache* cache) {
  const int64_t b = inputs.size(0), n = inputs.size(1);
  if (previous.dim() != 3 || previous.size(0) != b || previous.size(1) != n || previous.size(2) != config.dim)
    throw Error("feature draft: expected features [" + std::to_string(b) + ", " + std::to_string(n) + ", " +
                std::to_string(config.dim) + "], got " + c10::str(previous.sizes()) +
                " (was it trained for another target?)");
  const torch::Tensor position = torch::arange(first, first + n, torch::kLong);
  const torch::Tensor where = rows.index_select(0, position.div(config.grid, "floor")) +
                              cols.index_select(0, position.remainder(config.grid));
  torch::Tensor x = fuse(torch::cat({previous, token_embedding(inputs)}, -1)) + where.unsqueeze(0);
  const int64_t keys = first + n;
  const torch::Tensor bias = attention_bias(torch::zeros({b, keys}, torch::kBool), n, first, /*causal=*/true);
  size_t layer = 0;
  for (const auto& block : *blocks) x = block->as<TransformerBlock>()->forward(x, bias, cache, layer++);
  if (cache) cache->length += n;
  return x;
}

torch::Tensor FeatureDraftImpl::forward(const torch::Tensor& features, const torch::Tensor& tokens) {
  const int64_t b = tokens.size(0), n = config.image_tokens();
  if (tokens.dim() != 2 || tokens.size(1) != n)
    throw Error("feature draft: expected tokens [B, " + std::to_string(n) + "], got " + c10::str(tokens.sizes()));
  const torch::Tensor previous = torch::cat({torch::zeros({b, 1, config.dim}), features.narrow(1, 0, n - 1)}, 1);
  const torch::Tensor inputs = torch::cat({torch::full({b, 1}, config.bos(), torch::kLong), tokens.narrow(1, 0, n - 1)}, 1);
  return run(previous, inputs, 0, nullptr);
}

KVCache FeatureDraftImpl::start(int64_t batch) const {
  const int64_t head_dim = config.dim / config.heads;
  KVCache cache;
  for (int i = 0; i < config.layers; ++i) {
    cache.keys.push_back(torch::empty({batch, config.heads, config.image_tokens(), head_dim}));
    cache.values.push_back(torch::empty({batch, config.heads, config.image_tokens(), head_dim}));
  }
  cache.key_padding = torch::zeros({batch, config.image_tokens()}, torch::kBool);
  return cache;
}

torch::Tensor FeatureDraftImpl::decode(KVCache& cache, const torch::Tensor& previous, const torch::Tensor& inputs) {
  if (cache.length + inputs.size(1) > config.image_tokens())
    throw Error("feature draft: decoding past the " + std::to_string(config.image_tokens()) + " tokens");
  return run(previous, inputs, cache.length, &cache);
}

FeatureDraft load_feature_draft(const std::filesystem::path& path) {
  return load_model<FeatureDraft, FeatureDraftConfig>(path, kFeatureDraftModel);
}

}  // namespace jl::models
