// A token transformer with classifier-free guidance folded in: the prompt's rows and the negative
// prompt's (or the empty prompt's) rows run as one batch, and every call returns the guided logits
// uncond + scale * (cond - uncond). With scale 1 the unconditional rows are not run at all.
// `bfloat16`: the transformer's matrix multiplies run in bfloat16 (where the CPU has it natively,
// models/runtime.h), the logits come back in float32 before guidance and sampling. MaskGIT asks for
// it: each of its passes runs every position and is bound by arithmetic (batches of 25: ~3x faster,
// docs/benchmarks.md); autoregressive decoding runs one position a pass, bound by per-operation
// overhead, which the conversions only add to.
#pragma once

#include <torch/torch.h>

#include "pipelines/text_condition.h"
#include "pipelines/tokens/causal_decoder.h"
#include "models/token_transformer.h"

namespace jl::tokens {

class GuidedTransformer : public CausalDecoder {
 public:
  GuidedTransformer(models::TokenTransformerImpl& model, const Condition& cond, const Condition& uncond, double scale,
                    bool bfloat16 = false);

  int64_t batch() const override { return batch_; }
  int64_t length() const override { return model_.config.image_tokens(); }
  int64_t bos() const override { return model_.config.special_token(); }
  const models::TokenTransformerConfig& config() const { return model_.config; }

  // All positions at once: [B, N] -> guided logits [B, N, V].
  torch::Tensor logits(const torch::Tensor& tokens);

  // Causal decoding with a KV cache: inputs [B, n] at the next n positions -> guided logits [B, n, V].
  torch::Tensor decode(const torch::Tensor& inputs) override;
  int64_t decoded() const override { return cache_.capacity() ? model_.decoded(cache_) : 0; }
  void rollback(int64_t positions) override;
  // Start over with an empty cache (the prompt prefix is run again).
  void restart() override;

 private:
  torch::Tensor guided(const torch::Tensor& raw) const;

  models::TokenTransformerImpl& model_;
  torch::Tensor features_, padding_;  // cond rows, then uncond rows when guided
  double scale_;
  bool bfloat16_;
  int64_t batch_;
  models::KVCache cache_;
};

}  // namespace jl::tokens
