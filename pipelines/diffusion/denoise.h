// The diffusion sampling loop shared by txt2img, img2img, inpainting and outpainting: a sampler
// walks the latents from noise (or from a noised starting picture) to a clean sample, the denoiser
// runs with classifier-free guidance at every step, and for inpainting the known region is put back
// (noised to the current level) after every step so that the new content grows to fit it; an
// inpainting denoiser also reads the known latents and the mask at every step.
#pragma once

#include <ATen/core/Generator.h>
#include <torch/torch.h>

#include <vector>

#include "pipelines/callbacks.h"
#include "pipelines/diffusion/diffusion_models.h"
#include "pipelines/samplers/sampler.h"
#include "pipelines/text_condition.h"

namespace jl::diffusion {

struct DenoiseOptions {
  samplers::SamplerKind sampler = samplers::SamplerKind::DpmPP2M;
  int steps = 20;
  double eta = 0;          // DDIM only
  double cfg_scale = 3;    // uncond + scale * (cond - uncond); 1: the conditional prediction alone
  double strength = 1;     // with a start: the share of the steps run again (1: from pure noise)
};

struct Start {
  torch::Tensor latents;  // [B or 1, C, h, w] the picture to start from (img2img, inpainting); undefined: noise
  torch::Tensor keep;     // [B or 1, 1, h, w] in [0, 1]: where `latents` are known and kept (inpainting);
                          // undefined: nothing is kept
};

// Latents [B, C, h, w]: `shape` gives B, C, h, w; image b's noise comes from generators[b] alone.
// The progress callback gets each step; with callbacks.wants_preview also image 0's current estimate
// of the clean picture (one decoder pass per step).
torch::Tensor denoise(const DiffusionModels& models, const Condition& cond, const Condition& uncond,
                      const DenoiseOptions& options, const std::vector<int64_t>& shape, const Start& start,
                      std::vector<at::Generator>& generators, const Callbacks& callbacks);

// Standard normal noise of `shape` ([B, ...]) with row b drawn from generators[b].
torch::Tensor image_noise(const std::vector<int64_t>& shape, std::vector<at::Generator>& generators);

}  // namespace jl::diffusion
