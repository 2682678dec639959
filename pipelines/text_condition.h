// A prompt as every generator reads it: the shared text encoder's per-word features and which
// positions are padding. The token generators and the diffusion denoiser both condition on it.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "models/text_encoder.h"

namespace jl {

struct Condition {
  torch::Tensor features;  // [B, text_len, text_dim]
  torch::Tensor padding;   // [B, text_len] bool

  Condition rows(int64_t first, int64_t count) const {
    return {features.narrow(0, first, count), padding.narrow(0, first, count)};
  }
};

// The text encoder's features for `prompts`, one row each ("" is the null condition).
Condition encode_prompts(models::TextEncoderImpl& encoder, const std::vector<std::string>& prompts);

// jl::Error naming both checkpoints when a generator that reads `text_len` features of size `text_dim`
// was not trained with this text encoder.
void check_reads_text(const std::string& generator_name, int text_dim, int text_len,
                      const models::TextEncoderImpl& text_encoder, const std::string& text_encoder_name);

}  // namespace jl
