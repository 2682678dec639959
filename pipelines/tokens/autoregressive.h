// Raster-order decoding of a causal token transformer: plain (one position per step, with the KV
// cache, or recomputing the whole prefix every step as the baseline the cache is measured against),
// and speculative (a small draft model proposes `gamma` tokens, the target checks them all in one
// pass).
//
// Speculative acceptance follows Leviathan et al. / Chen et al. (2023): draft token x, drawn from the
// draft's distribution q, is kept with probability min(1, p(x) / q(x)) under the target's p; at the
// first rejection a token is drawn from norm(max(0, p - q)); when all are kept, one more comes from p.
// The tokens then follow p exactly. Temperature, top-k/p, guidance and the watermark shape p and q
// alike, so the result follows the same distribution plain decoding samples; with temperature 0
// both are one-hot and the result is plain greedy decoding, token for token.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/tokens/causal_decoder.h"
#include "pipelines/tokens/sampling.h"
#include "pipelines/tokens/token_preview.h"
#include "pipelines/watermark.h"

namespace jl::tokens {

struct DecodeOptions {
  SamplingOptions sampling;
  WatermarkOptions watermark;
  bool kv_cache = true;  // false: recompute the prefix for every token (the baseline)
  TokenPreview preview;  // the GUI's live picture as rows complete (optional)
};

struct DecodeStats {
  int64_t target_passes = 0;  // forward passes of the target model
  int64_t draft_passes = 0;
  int64_t proposed = 0;       // draft tokens offered for verification
  int64_t accepted = 0;       // of which the target kept
  double acceptance_rate() const { return proposed ? double(accepted) / double(proposed) : 0.0; }
};

// The distribution for one position: guided logits [B, V] (of the token after `previous` [B]) ->
// probabilities, with the watermark bonus when enabled.
torch::Tensor next_token_probabilities(torch::Tensor logits, const torch::Tensor& previous, int64_t position,
                                       const DecodeOptions& options);

// Plain decoding of all model.length() tokens for every row: [B, N] int64. generators: one per row.
// `given` [B, k] (optional): the first k tokens, kept as they are (a prompt to continue).
torch::Tensor decode_autoregressive(CausalDecoder& model, const DecodeOptions& options, std::vector<at::Generator>& generators,
                                    const Callbacks& callbacks, DecodeStats& stats, const torch::Tensor& given = {});

// Speculative decoding of one sequence (target and draft built for batch 1): [1, N] int64.
torch::Tensor decode_speculative(CausalDecoder& target, CausalDecoder& draft, int gamma, const DecodeOptions& options,
                                 at::Generator& generator, const Callbacks& callbacks, DecodeStats& stats,
                                 const torch::Tensor& given = {});

}  // namespace jl::tokens
