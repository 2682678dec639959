#include "pipelines/diffusion/generate.h"

#include "media_io/image.h"
#include "media_io/tensor_image.h"
#include "pipelines/tokens/sampling.h"

namespace jl::diffusion {

DenoiseOptions denoise_options(const Txt2ImgParams& params) {
  DenoiseOptions options;
  options.sampler = params.sampler;
  options.steps = params.step_count();
  options.eta = params.eta;
  options.cfg_scale = params.guidance();
  options.strength = params.strength;
  return options;
}

std::vector<cv::Mat> to_pictures(const DiffusionModels& models, const torch::Tensor& latents) {
  torch::NoGradGuard no_grad;
  const torch::Tensor pictures = models.decode(latents);
  std::vector<cv::Mat> out;
  for (int64_t i = 0; i < pictures.size(0); ++i)
    out.push_back(media::tensor_to_image(pictures[i], media::TensorRange::MinusOneOne));
  return out;
}

std::vector<cv::Mat> generate_images(const DiffusionModels& models, const std::vector<std::string>& prompts,
                                     const Txt2ImgParams& params, uint64_t first_seed, const Callbacks& callbacks) {
  torch::NoGradGuard no_grad;
  const int64_t count = int64_t(prompts.size());
  const Condition cond = encode_prompts(*models.text_encoder, prompts);
  const Condition uncond = encode_prompts(*models.text_encoder, std::vector<std::string>(size_t(count), params.negative_prompt));
  std::vector<at::Generator> generators = tokens::image_generators(first_seed, count);

  const int side = models.tokenizer->config.image_size;
  Start start;
  if (!params.init_image.empty()) {
    media::Image init = media::to_rgb8(media::read_image(params.init_image));
    if (init.width() != side || init.height() != side) init = media::resize(init, side, side);
    start.latents = models.encode(media::image_to_tensor(init.pixels, media::TensorRange::MinusOneOne).unsqueeze(0));
  }
  const int64_t latent_side = side / models.downsample();
  const torch::Tensor latents =
      denoise(models, cond, uncond, denoise_options(params),
              {count, models.denoiser->config.latent_channels, latent_side, latent_side}, start, generators, callbacks);
  return to_pictures(models, latents);
}

}  // namespace jl::diffusion
