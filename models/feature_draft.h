// FeatureDraft: a speculative-decoding draft that reads its target's features (the EAGLE idea, Li et
// al. 2024). An independent small draft sees only the tokens and agrees with the target on few of
// them (ar_draft: 11% of proposals kept); this one is handed the target's features (what its head
// reads) of the position before, which already hold everything the target has understood of the
// prompt and the picture so far, and only has to carry them one position on. One transformer block
// over the image positions: input at position p is [the target's features at p - 1 (zeros at
// p = 0), the embedding of the token at p - 1 ([BOS] at p = 0)], output a prediction of the
// target's features at p, which the target's own head (TokenTransformerImpl::logits) turns into the
// draft's distribution. Beyond the first proposal of a round the target has not run yet, so the
// draft feeds on its own predicted features.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "models/transformer_block.h"

namespace jl::models {

struct FeatureDraftConfig {
  int vocab = 1024;  // the target's
  int grid = 8;      // the target's
  int dim = 256;     // the target's feature size
  int heads = 8;
  int mlp_ratio = 4;
  int layers = 1;
  void validate() const;

  int64_t image_tokens() const { return int64_t(grid) * grid; }
  int64_t bos() const { return vocab; }
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(FeatureDraftConfig, vocab, grid, dim, heads, mlp_ratio, layers)

class FeatureDraftImpl : public torch::nn::Module {
 public:
  explicit FeatureDraftImpl(const FeatureDraftConfig& config);

  // Every position at once (training): the target's features [B, N, dim] and tokens [B, N] ->
  // predicted features [B, N, dim], row p predicting the target's features at p from its features at
  // p - 1 and token p - 1 (both shifted right inside).
  torch::Tensor forward(const torch::Tensor& features, const torch::Tensor& tokens);

  // Decoding: a cache for `batch` rows, then `previous` [B, n, dim] (features of the positions
  // before) and `inputs` [B, n] (the tokens before) at the next n positions -> predicted features.
  KVCache start(int64_t batch) const;
  torch::Tensor decode(KVCache& cache, const torch::Tensor& previous, const torch::Tensor& inputs);

  FeatureDraftConfig config;

 private:
  torch::Tensor run(const torch::Tensor& previous, const torch::Tensor& inputs, int64_t first, KVCache* cache);

  torch::nn::Embedding token_embedding{nullptr};
  torch::nn::Linear fuse{nullptr};
  torch::Tensor rows, cols;
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(FeatureDraft);

inline constexpr const char* kFeatureDraftModel = "feature_draft";

FeatureDraft load_feature_draft(const std::filesystem::path& path);

}  // namespace jl::models
