// The models `txt2img --method diffusion` needs, fetched once from the ModelStore and checked against
// each other, and the way between pictures and the denoiser's latents: the patch tokenizer's code
// vectors times the denoiser's latent_scale.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>

#include "models/model_store.h"
#include "models/patch_tokenizer.h"
#include "models/text_encoder.h"
#include "models/unet_denoiser.h"
#include "pipelines/samplers/noise_schedule.h"

namespace jl::diffusion {

struct DiffusionModels {
  std::shared_ptr<models::PatchTokenizerImpl> tokenizer;
  std::shared_ptr<models::TextEncoderImpl> text_encoder;
  std::shared_ptr<models::UNetDenoiserImpl> denoiser;

  // The schedule the denoiser was trained with.
  samplers::NoiseSchedule schedule() const;
  // Pictures float [B, 3, H, W] in [-1, 1] (sides multiples of the tokenizer's downsampling) ->
  // latents [B, code_dim, H/d, W/d], and back.
  torch::Tensor encode(const torch::Tensor& pictures) const;
  torch::Tensor decode(const torch::Tensor& latents) const;
  int downsample() const { return tokenizer->config.downsample(); }
  // Picture sides the denoiser accepts are multiples of this.
  int picture_multiple() const { return downsample() * denoiser->config.downsample(); }
};

std::shared_ptr<models::UNetDenoiserImpl> load_denoiser(models::ModelStore& store, const std::string& name);

// The three models by name, with a jl::Error naming the checkpoints when they do not fit together.
DiffusionModels load_diffusion_models(models::ModelStore& store, const std::string& denoiser,
                                      const std::string& tokenizer, const std::string& text_encoder);
void check_compatible(const DiffusionModels& models, const std::string& denoiser_name, const std::string& tokenizer_name,
                      const std::string& text_encoder_name);

}  // namespace jl::diffusion
