// Diffusion's path from prompts to pictures on models already loaded: txt2img() calls it after
// fetching the models from the store, and the trainer calls it on the model being trained to measure
// it on the holdout prompts. With params.init_image it is img2img.
#pragma once

#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "pipelines/diffusion/denoise.h"
#include "pipelines/diffusion/diffusion_models.h"
#include "pipelines/txt2img.h"

namespace jl::diffusion {

// The loop's settings from the user's (sampler, steps, eta, guidance, strength).
DenoiseOptions denoise_options(const Txt2ImgParams& params);

// One picture per prompt (image i drawn with seed first_seed + i), RGB CV_8UC3 at the tokenizer's
// canvas (64). The prompt, count and seed of `params` are not used.
std::vector<cv::Mat> generate_images(const DiffusionModels& models, const std::vector<std::string>& prompts,
                                     const Txt2ImgParams& params, uint64_t first_seed, const Callbacks& callbacks);

// Latents [B, C, h, w] -> RGB CV_8UC3 pictures.
std::vector<cv::Mat> to_pictures(const DiffusionModels& models, const torch::Tensor& latents);

}  // namespace jl::diffusion
