#include "pipelines/diffusion/diffusion_models.h"

#include "core/error.h"
#include "pipelines/text_condition.h"
#include "pipelines/tokens/generator_models.h"

namespace jl::diffusion {

samplers::NoiseSchedule DiffusionModels::schedule() const {
  const auto& c = denoiser->config;
  return samplers::NoiseSchedule::cosine(c.train_steps, samplers::parse_prediction(c.prediction));
}

torch::Tensor DiffusionModels::encode(const torch::Tensor& pictures) const {
  return tokenizer->code_vectors(pictures) * denoiser->config.latent_scale;
}

torch::Tensor DiffusionModels::decode(const torch::Tensor& latents) const {
  return tokenizer->decode_vectors(latents / denoiser->config.latent_scale);
}

std::shared_ptr<models::UNetDenoiserImpl> load_denoiser(models::ModelStore& store, const std::string& name) {
  return store.get<models::UNetDenoiserImpl>(
      name, [](const std::filesystem::path& path) { return models::load_unet_denoiser(path).ptr(); });
}

void check_compatible(const DiffusionModels& models, const std::string& denoiser_name, const std::string& tokenizer_name,
                      const std::string& text_encoder_name) {
  const auto& d = models.denoiser->config;
  if (d.latent_channels != models.tokenizer->config.code_dim)
    throw Error("denoiser '" + denoiser_name + "' works on " + std::to_string(d.latent_channels) +
                "-channel latents, but tokenizer '" + tokenizer_name + "' has " +
                std::to_string(models.tokenizer->config.code_dim) +
                "-dimensional codes; use the tokenizer it was trained with (--tokenizer)");
  check_reads_text(denoiser_name, d.text_dim, d.text_len, *models.text_encoder, text_encoder_name);
}

DiffusionModels load_diffusion_models(models::ModelStore& store, const std::string& denoiser,
                                      const std::string& tokenizer, const std::string& text_encoder) {
  DiffusionModels models;
  const std::string tokenizer_name = models::tokenizer_for(store, denoiser, tokenizer);
  models.tokenizer = tokens::load_tokenizer(store, tokenizer_name);
  const std::string text_encoder_name = models::text_encoder_for(store, denoiser, text_encoder);
  models.text_encoder = tokens::load_text_encoder(store, text_encoder_name);
  models.denoiser = load_denoiser(store, denoiser);
  check_compatible(models, denoiser, tokenizer_name, text_encoder_name);
  return models;
}

}  // namespace jl::diffusion
