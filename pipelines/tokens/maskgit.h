// MaskGIT decoding (Chang et al., 2022): all unknown tokens start as [MASK]; each step predicts every
// masked position at once, samples a token for each, and keeps the most confident ones, re-masking the
// rest. The number left masked after step t of T is floor(U * f(t/T)) of the U initially unknown
// tokens, f a mask schedule (MaskSchedule). Confidence is the sampled token's
// log-probability plus Gumbel noise whose temperature anneals linearly to zero, so early steps explore
// and late steps commit. Known tokens (inpainting) are never changed.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/tokens/mask_schedule.h"
#include "pipelines/tokens/guided_transformer.h"
#include "pipelines/tokens/sampling.h"
#include "pipelines/tokens/token_preview.h"
#include "pipelines/txt2img.h"

namespace jl::tokens {

struct MaskGitOptions {
  int steps = 8;
  MaskSchedule schedule;
  SamplingOptions sampling;
  double choice_temperature = 4.5;  // Gumbel noise on the confidences at the first step
  TokenPreview preview;             // the GUI's live picture after each step (optional)
};

// The options a txt2img or inpainting request asks for (its mask schedule already validated).
MaskGitOptions maskgit_options(const Txt2ImgParams& params);

// tokens [B, N]: known tokens (ignored where `unknown`); unknown [B, N] bool. Returns [B, N].
torch::Tensor decode_maskgit(GuidedTransformer& model, torch::Tensor tokens, const torch::Tensor& unknown,
                             const MaskGitOptions& options, std::vector<at::Generator>& generators,
                             const Callbacks& callbacks);

}  // namespace jl::tokens
